import { RemoteGraphQLDataSource, type GraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import type { Fetcher, FetcherResponse } from "@apollo/utils.fetcher";
import type { DocumentNode } from "graphql";
import { CLIENT_IP_HEADER } from "@shopgraph/auth";
import { SERVICE_TOKEN_HEADER } from "@shopgraph/auth";
import { codedError, ErrorCode } from "@shopgraph/errors";
import type { GatewayContext } from "../context.ts";
import { withOperationKind, type OperationKind } from "./operation-kind.ts";
import { SubgraphUnavailableError } from "./subgraph-fetcher.ts";

/** What a subgraph answers a fetch with (data, errors, extensions), as @apollo/gateway's data sources return it. */
export type SubgraphResponse = Awaited<ReturnType<GraphQLDataSource["process"]>>;

/** The part of Apollo Server's CachePolicy a subgraph's Cache-Control header restricts. */
interface RestrictablePolicy {
  restrict(hint: { maxAge?: number; scope?: "PUBLIC" | "PRIVATE" }): void;
}

/**
 * One fetch of Shopgraph's engine (gateway/src/engine), prepared from the query plan's fetch node:
 * the request body is already the JSON text RemoteGraphQLDataSource would have built
 * (`{"query":…,"variables":…,"operationName":…}`), so nothing is copied or re-serialized here.
 */
export interface DirectFetch {
  /** The subgraph request body. */
  body: string;
  /** The fetch's variables (entity representations included), for the unavailable-path errors. */
  variables: Record<string, unknown>;
  /** The plan's fetch document: its fields give the unavailable paths. */
  document: DocumentNode | undefined;
  /** The document's operation kind (the fetcher decides retries and dedup from it). */
  kind: OperationKind | undefined;
  /** The operation text, parsed only when `document` is absent and the subgraph is unavailable. */
  query: string;
}

/** Apollo's parseCacheControlHeader (RemoteGraphQLDataSource.respond), as a hint. */
function cacheHint(header: string | null): { maxAge: number; scope?: "PUBLIC" | "PRIVATE" } {
  const hint: { maxAge: number; scope?: "PUBLIC" | "PRIVATE" } = { maxAge: 0 };
  if (!header) return hint;
  const cc: Record<string, string | true> = {};
  for (const part of header.trim().split(/\s*,\s*/)) {
    const [k, v] = part.split(/\s*=\s*/, 2);
    cc[k!] = v === undefined ? true : v.replace(/^"|"$/g, "");
  }
  const maxAge = cc["max-age"];
  if (typeof maxAge === "string" && /^[0-9]+$/.test(maxAge)) hint.maxAge = +maxAge;
  if (cc["private"] === true) hint.scope = "PRIVATE";
  if (cc["public"] === true) hint.scope = "PUBLIC";
  return hint;
}

/**
 * Subgraph fetches: the gateway's own credential on every one (subgraphs refuse anything else),
 * plus only what subgraphs need to re-verify the caller themselves (the original Bearer token)
 * and to correlate logs (request id). Client headers are never copied wholesale, so a forged
 * identity or service header cannot reach a subgraph through the gateway.
 *
 * Two ways in, with the same headers, fetcher, error mapping and cache hints: Apollo's
 * `process` (RemoteGraphQLDataSource, used by @apollo/gateway's executor) and {@link fetchDirect},
 * Shopgraph's engine's path, which skips what `process` rebuilds on every fetch (node-fetch
 * Headers and Request, url.parse, the body's JSON.stringify).
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly name: string;

  readonly #credential: string;

  constructor(name: string, url: string, fetcher: Fetcher, credential: string) {
    super({ url, fetcher });
    this.name = name;
    this.#credential = credential;
  }

  /** The headers of every fetch made for `context` (lower-cased, as node-fetch's Headers sends them). */
  #headersFor(context: Partial<GatewayContext>): Record<string, string> {
    // The credential is set, never appended: whatever else is on the request, the subgraph sees exactly this.
    const headers: Record<string, string> = { [SERVICE_TOKEN_HEADER]: this.#credential };
    // Health checks and schema loads have no request context.
    if (context.requestId === undefined) return headers;
    headers["x-request-id"] = context.requestId;
    // Per-IP policies inside subgraphs (users' login throttle) need the client, not the gateway's address.
    headers[CLIENT_IP_HEADER] = context.clientIp ?? "";
    if (context.accessToken) headers.authorization = `Bearer ${context.accessToken}`;
    return headers;
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    for (const [name, value] of Object.entries(this.#headersFor(context as Partial<GatewayContext>)))
      headers.set(name, value);
  }

  /**
   * The engine's fetch: what `process` does for an incoming operation (POST with content-type
   * JSON and {@link willSendRequest}'s headers through the same fetcher; non-2xx answers become
   * Apollo's `<status>: <statusText>` errors; a body that is not a JSON object is an error;
   * failures pass {@link didEncounterError}; the Cache-Control header restricts the request's
   * cache policy), minus the per-fetch objects `process` builds.
   */
  async fetchDirect(fetch: DirectFetch, context: GatewayContext, cachePolicy: unknown): Promise<SubgraphResponse> {
    const headers = this.#headersFor(context);
    headers["content-type"] = "application/json";
    let response: FetcherResponse | undefined;
    let body: unknown;
    try {
      response = await withOperationKind(fetch.kind, () =>
        this.fetcher(this.url, { method: "POST", headers, body: fetch.body }),
      );
      if (!response.ok) throw await this.errorFromResponse(response);
      body = await this.parseBody(response);
      if (body === null || typeof body !== "object" || Array.isArray(body))
        throw new Error(`Expected JSON response body, but received: ${String(body)}`);
    } catch (error) {
      this.#failed(error as Error, context);
    }
    if (
      this.honorSubgraphCacheControlHeader &&
      cachePolicy &&
      typeof cachePolicy === "object" &&
      "restrict" in cachePolicy
    )
      (cachePolicy as RestrictablePolicy).restrict(cacheHint(response.headers.get("cache-control")));
    return body;
  }

  /** An unreachable subgraph becomes a coded error on its part of the response (partial data). */
  override didEncounterError(error: Error, _req: unknown, _res: unknown, context?: GatewayContext): void {
    this.#failed(error, context);
  }

  #failed(error: Error, context: GatewayContext | undefined): never {
    if (error instanceof SubgraphUnavailableError) {
      // Expected while a subgraph is down: one line without a stack per failed fetch.
      context?.logger?.warn({ subgraph: this.name, reason: error.message }, "subgraph unavailable");
      throw codedError(ErrorCode.SUBGRAPH_UNAVAILABLE, `The ${this.name} service is temporarily unavailable`);
    }
    context?.logger?.error({ err: error, subgraph: this.name }, "subgraph request failed");
    throw error;
  }
}
