import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpServerHandle } from "./http-server.ts";
import { SECURITY_HEADERS, sendError } from "./respond.ts";

/** Where and how a process serves its Prometheus metrics (never on its public port). */
export interface MetricsServerOptions {
  /** Writes the Prometheus exposition (e.g. @shopgraph/metrics' serveMetrics). */
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
  /** Port of the metrics listener; 0 = ephemeral (tests). */
  port: number;
  /** Interface to bind. Default 127.0.0.1: internal only unless an operator opens it up. */
  host?: string;
  /** When set, scrapes must send `Authorization: Bearer <token>`; anything else is 401. */
  token?: string;
}

/** A metrics listener that is not yet bound. */
export interface MetricsServerHandle {
  server: Server;
  listen(): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
}

/** Constant-time comparison of the presented bearer token with the configured one. */
function hasToken(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const presented = Buffer.from(header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "");
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/**
 * A second HTTP listener that answers only `GET /metrics`. Metrics name operations, error codes,
 * breaker states, the Node version and memory: reconnaissance material, so they live on their own
 * port bound to an internal interface by default (and optionally behind a bearer token), and the
 * public port answers /metrics with 404.
 */
export function createMetricsServer(options: MetricsServerOptions): MetricsServerHandle {
  const host = options.host ?? "127.0.0.1";
  const server = createServer({ connectionsCheckingInterval: 1_000 }, async (req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/metrics") return sendError(res, 404, "NOT_FOUND", "Not found");
    if (req.method !== "GET") return sendError(res, 405, "BAD_REQUEST", `Method ${req.method} not allowed`);
    if (options.token && !hasToken(req, options.token)) {
      return sendError(res, 401, "UNAUTHENTICATED", "Metrics need a bearer token", {
        "www-authenticate": 'Bearer realm="metrics"',
      });
    }
    try {
      await options.handler(req, res);
    } catch {
      sendError(res, 500, "INTERNAL_SERVER_ERROR", "Internal server error");
    }
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return {
    server,
    listen() {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port, host, () => {
          server.off("error", reject);
          const { port } = server.address() as AddressInfo;
          const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
          resolve({ port, url: `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}/metrics` });
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/**
 * Binds and closes a metrics listener together with a process's main server: `listen` then also
 * resolves with `metricsUrl`. Wraps the handle in place (as the servers' own close wrappers do).
 */
export function attachMetricsServer(http: HttpServerHandle, options: MetricsServerOptions): HttpServerHandle {
  const metrics = createMetricsServer(options);
  const listen = http.listen.bind(http);
  const close = http.close.bind(http);
  http.listen = async (port, host) => {
    const main = await listen(port, host);
    try {
      const { url } = await metrics.listen();
      return { ...main, metricsUrl: url };
    } catch (error) {
      await close(0);
      throw error;
    }
  };
  http.close = async (graceMs, drainDelayMs) => {
    await Promise.all([close(graceMs, drainDelayMs), metrics.close()]);
  };
  return http;
}
