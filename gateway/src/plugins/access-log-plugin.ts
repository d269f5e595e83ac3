import type { IncomingMessage } from "node:http";
import type { GraphQLRouteCompletion, OperationState } from "@shopgraph/http";
import type { Logger } from "@shopgraph/logger";

/** Options for {@link accessLogPlugin}. */
export interface AccessLogOptions {
  /** Where lines go (the base logger: the line names its request id and operation itself). */
  logger: Logger;
  /** Requests slower than this are logged at warn. Default 2,000 ms. */
  slowMs?: number;
}

/** What the access log reads from the context. */
export interface AccessLogContext {
  operation?: OperationState;
}

// Client-supplied header values are logged, never trusted: cap their length.
const header = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return typeof value === "string" && value !== "" ? value.slice(0, 64) : undefined;
};

/**
 * One access log line per GraphQL request at the gateway: operation name and type, HTTP status,
 * duration, error count and codes, client name and version, and the request id (trace ids come
 * from the logger). It hooks the HTTP route rather than Apollo's request pipeline, so requests
 * Apollo never ran (oversized body, bad token, CSRF refusal) get their line too. 5xx answers log
 * at error, slow ones at warn. Variables and documents are never logged.
 */
export function accessLogPlugin<C extends AccessLogContext>(
  options: AccessLogOptions,
): (event: GraphQLRouteCompletion<C>) => void {
  const slowMs = options.slowMs ?? 2_000;
  // The line's fields are the fixed set below (no credential, token or e-mail among them), so the
  // logger's redaction (a copy of every object logged, ~15 µs a line) cannot change it: skipped
  // for this one line per request. access-log.test.ts proves the redacting logger writes the same.
  const logger = options.logger.child({}, { redact: [] });
  return ({ req, requestId, status, durationMs, context }) => {
    const operation = context?.operation;
    const line = {
      requestId,
      operationName: operation?.name ?? null,
      operationType: operation?.type ?? "unknown",
      status,
      durationMs: Math.round(durationMs * 10) / 10,
      errors: operation?.errorCodes.length ?? (status >= 400 ? 1 : 0),
      ...(operation?.errorCodes.length ? { errorCodes: [...new Set(operation.errorCodes)] } : {}),
      clientName: header(req, "apollographql-client-name") ?? null,
      clientVersion: header(req, "apollographql-client-version") ?? null,
    };
    if (status >= 500) logger.error(line, "graphql request");
    else if (durationMs > slowMs) logger.warn(line, "graphql request (slow)");
    else logger.info(line, "graphql request");
  };
}
