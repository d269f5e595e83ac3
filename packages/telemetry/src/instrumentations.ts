import type { IncomingMessage } from "node:http";
import type { Instrumentation } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";

/** Probe and scrape paths: polled every few seconds, they would bury the real traces. */
const UNTRACED_PATHS = new Set(["/metrics", "/healthz", "/readyz"]);

/** The module names the instrumentations patch; the ESM loader hook wraps only these. */
export const INSTRUMENTED_MODULES = ["http", "https", "pg", "pg-pool", "ioredis"];

/**
 * What Shopgraph traces: HTTP in and out (node:http; undici covers fetch and the gateway's
 * subgraph pool, and injects `traceparent`), PostgreSQL through pg (Prisma's driver adapter uses
 * it) and Redis through ioredis. SQL is recorded without parameter values and Redis commands
 * without arguments: spans must never carry passwords, tokens or personal data.
 */
export function createInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED_PATHS.has((req.url ?? "/").split("?")[0] ?? "/"),
      // No request/response headers as attributes: they carry Authorization and cookies.
      headersToSpanAttributes: {
        client: { requestHeaders: [], responseHeaders: [] },
        server: { requestHeaders: [], responseHeaders: [] },
      },
    }),
    new UndiciInstrumentation(),
    new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
    new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
  ];
}
