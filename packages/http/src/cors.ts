import type { IncomingMessage, ServerResponse } from "node:http";
import { sendError } from "./respond.ts";

/** CORS policy: an explicit allow-list (never `*`, so credentials only go to known origins). */
export interface CorsOptions {
  origins: readonly string[];
  /** How long browsers may cache a preflight. Default 600 s. */
  maxAgeSeconds?: number;
}

const ALLOWED_HEADERS = [
  "content-type",
  "authorization",
  "apollographql-client-name",
  "apollographql-client-version",
  "apollo-require-preflight",
  "x-apollo-operation-name",
  "x-request-id",
  // W3C trace context and baggage: browser tracing (OpenTelemetry web) continues into the gateway.
  "traceparent",
  "tracestate",
  "baggage",
].join(", ");

/**
 * Applies CORS to a request. Returns true when the request was a preflight and has been
 * answered (204 for an allowed origin, 403 otherwise).
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, options: CorsOptions): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  res.setHeader("vary", "Origin");
  const allowed = options.origins.includes(origin);
  if (allowed) {
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("access-control-allow-credentials", "true");
    res.setHeader("access-control-expose-headers", "x-request-id, retry-after");
  }
  if (req.method !== "OPTIONS") return false;
  if (!allowed) {
    sendError(res, 403, "FORBIDDEN", "Origin not allowed");
    return true;
  }
  res.writeHead(204, {
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": ALLOWED_HEADERS,
    "access-control-max-age": String(options.maxAgeSeconds ?? 600),
  });
  res.end();
  return true;
}
