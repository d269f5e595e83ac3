import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest } from "@apollo/server";
import { BodyTooLargeError, readBody } from "./body.ts";
import type { RequestInfo, RouteHandler } from "./http-server.ts";
import { isPersistedQueryGet } from "./persisted-get.ts";
import { sendError } from "./respond.ts";

/** Options for {@link graphqlRoute}. */
export interface GraphQLRouteOptions<C extends BaseContext> {
  /** Largest accepted body. Default 1 MiB (Apollo's standalone server accepts 50 MB). */
  bodyLimitBytes?: number;
  /** Builds the per-request context; a thrown coded GraphQLError becomes that error's HTTP status. */
  context: (req: IncomingMessage, info: RequestInfo) => Promise<C>;
  /** CSP for HTML answers (the landing page); API responses keep the strict default. */
  htmlContentSecurityPolicy?: string;
  /**
   * Let GETs that carry only a persisted-query hash (no query text) through Apollo's CSRF
   * prevention without a custom header, so catalog reads are plain cacheable GETs. Default false.
   * See persisted-get.ts for why this is safe; mutations stay POST-only.
   */
  allowPersistedQueryGets?: boolean;
  /**
   * Called once per request after the response is written, also for requests Apollo never ran
   * (oversized or malformed bodies, failed context creation): the place for an access log line.
   * `context` is set when it was created.
   */
  onComplete?: (event: GraphQLRouteCompletion<C>) => void;
}

/** What {@link GraphQLRouteOptions.onComplete} learns about a finished request. */
export interface GraphQLRouteCompletion<C> {
  req: IncomingMessage;
  requestId: string;
  status: number;
  durationMs: number;
  context: C | undefined;
}

function toHeaderMap(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}

/** Vary is merged, not replaced (CORS may have set "Vary: Origin" already); names once each. */
function mergeVary(earlier: unknown, value: string): string {
  const names = new Map<string, string>();
  const all = `${typeof earlier === "string" ? earlier : ""},${value}`.split(",").map((n) => n.trim());
  for (const name of all.filter(Boolean)) if (!names.has(name.toLowerCase())) names.set(name.toLowerCase(), name);
  return [...names.values()].join(", ");
}

/**
 * Serves an Apollo Server over plain node:http. Oversized and malformed bodies are answered with
 * coded JSON errors before Apollo sees them; everything else (CSRF prevention, GET rules, APQ) is
 * Apollo's own request pipeline.
 */
export function graphqlRoute<C extends BaseContext>(
  apollo: ApolloServer<C>,
  options: GraphQLRouteOptions<C>,
): RouteHandler {
  const limit = options.bodyLimitBytes ?? 1024 * 1024;
  const handle = async (req: IncomingMessage, res: ServerResponse, info: RequestInfo, created: { context?: C }) => {
    let body: unknown;
    if (req.method === "POST") {
      let raw: string;
      try {
        raw = await readBody(req, limit);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          res.setHeader("connection", "close");
          return sendError(res, 413, "PAYLOAD_TOO_LARGE", `Request body too large (limit ${limit} bytes)`);
        }
        throw error;
      }
      const type = req.headers["content-type"] ?? "";
      if (type.startsWith("application/json") || type.startsWith("application/graphql-response+json")) {
        try {
          body = JSON.parse(raw);
        } catch {
          return sendError(res, 400, "BAD_REQUEST", "Malformed JSON body");
        }
      } else {
        body = raw;
      }
    }
    const headers = toHeaderMap(req);
    if (options.allowPersistedQueryGets && req.method === "GET" && isPersistedQueryGet(info.url.searchParams)) {
      headers.set("apollo-require-preflight", "persisted-query-get");
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: req.method ?? "GET",
      headers,
      search: info.url.search,
      body,
    };
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: async () => (created.context = await options.context(req, info)),
    });
    for (const [name, value] of response.headers) {
      res.setHeader(name, name === "vary" ? mergeVary(res.getHeader("vary"), value) : value);
    }
    if (options.htmlContentSecurityPolicy && response.headers.get("content-type")?.startsWith("text/html")) {
      res.setHeader("content-security-policy", options.htmlContentSecurityPolicy);
    }
    res.statusCode = response.status ?? 200;
    if (response.body.kind === "complete") {
      // As bytes, not the string: Node would measure the string (flattening Apollo's
      // `JSON.stringify(result) + "\n"`, a copy) and then copy it again on the heap to write it
      // after the headers; Buffer.from encodes it once, off the JS heap for answers over 4 KB.
      // One response-sized young-generation copy less per request (issue 16 §1: fewer scavenges).
      res.end(Buffer.from(response.body.string));
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
  if (!options.onComplete) return (req, res, info) => handle(req, res, info, {});
  const onComplete = options.onComplete;
  return async (req, res, info) => {
    const startedAt = performance.now();
    const created: { context?: C } = {};
    try {
      await handle(req, res, info, created);
    } finally {
      // A throw here becomes the server's 500 after this returns; report that status, not the default 200.
      const status = res.headersSent ? res.statusCode : 500;
      onComplete({
        req,
        requestId: info.requestId,
        status,
        durationMs: performance.now() - startedAt,
        context: created.context,
      });
    }
  };
}
