/** What starting any Shopgraph service (the gateway, each subgraph) resolves with. */
export interface RunningService {
  /** The public base URL (GraphQL at `${url}/graphql`). */
  url: string;
  /** The metrics listener (GET /metrics), never on the public port. */
  metricsUrl: string | undefined;
  /** Graceful shutdown: stop accepting → drain → close Prisma/Redis (the entry point then flushes telemetry). */
  close(): Promise<void>;
}
