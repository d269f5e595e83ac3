import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { Fetcher } from "@apollo/utils.fetcher";
import { CLIENT_IP_HEADER } from "@shopgraph/auth";
import { SERVICE_TOKEN_HEADER } from "@shopgraph/auth";
import { codedError, ErrorCode } from "@shopgraph/errors";
import type { GatewayContext } from "../context.ts";
import { SubgraphUnavailableError } from "./subgraph-fetcher.ts";

/**
 * Subgraph fetches: the gateway's own credential on every one (subgraphs refuse anything else),
 * plus only what subgraphs need to re-verify the caller themselves (the original Bearer token)
 * and to correlate logs (request id). Client headers are never copied wholesale, so a forged
 * identity or service header cannot reach a subgraph through the gateway.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly name: string;

  readonly #credential: string;

  constructor(name: string, url: string, fetcher: Fetcher, credential: string) {
    super({ url, fetcher });
    this.name = name;
    this.#credential = credential;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    // Set, never appended: whatever else is on the request, the subgraph sees exactly this credential.
    headers.set(SERVICE_TOKEN_HEADER, this.#credential);
    if (!("requestId" in context)) return;
    headers.set("x-request-id", context.requestId);
    // Per-IP policies inside subgraphs (users' login throttle) need the client, not the gateway's address.
    headers.set(CLIENT_IP_HEADER, context.clientIp);
    if (context.accessToken) headers.set("authorization", `Bearer ${context.accessToken}`);
  }

  /** An unreachable subgraph becomes a coded error on its part of the response (partial data). */
  override didEncounterError(error: Error, _req: unknown, _res: unknown, context?: GatewayContext): void {
    if (error instanceof SubgraphUnavailableError) {
      // Expected while a subgraph is down: one line without a stack per failed fetch.
      context?.logger?.warn({ subgraph: this.name, reason: error.message }, "subgraph unavailable");
      throw codedError(ErrorCode.SUBGRAPH_UNAVAILABLE, `The ${this.name} service is temporarily unavailable`);
    }
    context?.logger?.error({ err: error, subgraph: this.name }, "subgraph request failed");
    throw error;
  }
}
