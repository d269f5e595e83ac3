import { counter, histogram, LATENCY_BUCKETS } from "./registry.ts";

/** One finished GraphQL operation (gateway or subgraph). */
export interface GraphQLOperationEvent {
  /** Already bounded (see createOperationNameLabeler). */
  operation: string;
  /** query | mutation | subscription | unknown (parse or validation failed first). */
  type: string;
  durationMs: number;
  /** The `extensions.code` of each error in the response. */
  errorCodes: readonly string[];
}

const requests = counter({
  name: "graphql_requests_total",
  help: "GraphQL operations answered, by operation name, type and outcome (ok: no errors; error: at least one).",
  labelNames: ["operation", "type", "outcome"] as const,
});
const duration = histogram({
  name: "graphql_request_duration_seconds",
  help: "GraphQL operation latency, by operation name and type.",
  labelNames: ["operation", "type"] as const,
  buckets: LATENCY_BUCKETS,
});
const errors = counter({
  name: "graphql_errors_total",
  help: "Errors in GraphQL responses, by operation name and error code.",
  labelNames: ["operation", "code"] as const,
});

/** Records a finished GraphQL operation. */
export function observeGraphQLOperation(event: GraphQLOperationEvent): void {
  requests.inc({ operation: event.operation, type: event.type, outcome: event.errorCodes.length > 0 ? "error" : "ok" });
  duration.observe({ operation: event.operation, type: event.type }, event.durationMs / 1000);
  for (const code of event.errorCodes) errors.inc({ operation: event.operation, code });
}
