import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "@shopgraph/logger";
import { applyCors, type CorsOptions } from "./cors.ts";
import { SECURITY_HEADERS, sendError, sendJson } from "./respond.ts";

/** Per-request facts the server derives before any handler runs. */
export interface RequestInfo {
  requestId: string;
  url: URL;
}

/** A route handler; it owns the response. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, info: RequestInfo) => Promise<void> | void;

/** One finished request, for metrics: the matched route path, never the raw URL (bounded labels). */
export interface RequestEndEvent {
  method: string;
  /** The route's path ("/graphql"), or "unmatched" for 404s. */
  route: string;
  status: number;
  durationMs: number;
}

/** Options for {@link createHttpServer}. Defaults are safe for an internet-facing process. */
export interface HttpServerOptions {
  logger: Logger;
  /** Routes keyed by "METHOD /path", e.g. "GET /healthz". */
  routes: Record<string, RouteHandler>;
  /**
   * Handlers for every method under a path prefix ("/oauth/"), for mounted protocol apps (the OAuth
   * authorization server) and the gateway's proxy of them. They own the whole response, CORS
   * included: the server-wide CORS policy is not applied to them.
   */
  prefixRoutes?: Record<string, RouteHandler>;
  /** Readiness probe for /readyz (dependencies reachable). Default: always ready. */
  isReady?: () => Promise<boolean> | boolean;
  /** Accept an incoming x-request-id (only behind a trusted proxy). Default false: always generate. */
  trustRequestId?: boolean;
  /** Time allowed to receive the request headers. Default 10 s (Node's own is 60 s: slowloris). */
  headersTimeoutMs?: number;
  /** Time allowed for the whole request, body included (a dripped body too). Default 30 s (Node's own is 300 s). */
  requestTimeoutMs?: number;
  /**
   * How often Node checks the two timeouts above. Node only enforces them on this tick (its
   * default is 30 s, which let slow headers live 19–22 s past a 10 s limit). Default 1 s.
   */
  timeoutCheckIntervalMs?: number;
  /** Idle keep-alive time; above typical load-balancer idle timeouts. Default 65 s. */
  keepAliveTimeoutMs?: number;
  /** During the drain delay, this long without a request (and none in flight) means the clients have moved off. Default 250 ms. */
  drainQuietMs?: number;
  /** CORS allow-list; unset = no CORS headers (same-origin and server-to-server only). */
  cors?: CorsOptions;
  /** Extra headers on every response (e.g. a looser CSP for the Sandbox page in development). */
  headers?: Record<string, string>;
  /** Called once per request when its response is finished or aborted (request timing). */
  onRequestEnd?: (event: RequestEndEvent) => void;
}

/** A started HTTP server with a graceful close. */
export interface HttpServerHandle {
  server: Server;
  /** Binds the port (0 = ephemeral) and resolves with the real URL. */
  listen(port: number, host: string): Promise<{ port: number; url: string; metricsUrl?: string }>;
  /**
   * Drains: reports not-ready at once and answers `connection: close`, keeps serving (new
   * connections too) for up to `drainDelayMs` or until quiet, then stops accepting, closes idle
   * connections, waits for in-flight requests (up to graceMs) and closes.
   */
  close(graceMs?: number, drainDelayMs?: number): Promise<void>;
  readonly draining: boolean;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
const DRAIN_QUIET_MS = 250;

/**
 * The HTTP server every Shopgraph process runs: /healthz and /readyz built in, request ids,
 * security headers, tight timeouts, coded JSON errors for unknown routes and handler crashes,
 * and a drain on shutdown so load balancers see not-ready before connections close.
 */
export function createHttpServer(options: HttpServerOptions): HttpServerHandle {
  let draining = false;
  let inFlight = 0;
  let lastRequestAt = -Infinity;
  let drained: (() => void) | undefined;
  const { logger } = options;

  const routes: Record<string, RouteHandler> = {
    "GET /healthz": (_req, res) => sendJson(res, 200, { status: "ok" }),
    "GET /readyz": async (_req, res) => {
      const ready = !draining && (await Promise.resolve(options.isReady?.() ?? true).catch(() => false));
      sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : draining ? "draining" : "unavailable" });
    },
    ...options.routes,
  };
  const knownPaths = new Set(Object.keys(routes).map((key) => key.slice(key.indexOf(" ") + 1)));
  // Longest prefix first, so "/oauth/interaction/" could be mounted apart from "/oauth/".
  const prefixes = Object.keys(options.prefixRoutes ?? {}).sort((a, b) => b.length - a.length);
  // The same on every response: merged once, not spread into a new object per request.
  const fixedHeaders = Object.entries({ ...SECURITY_HEADERS, ...options.headers });

  // Metrics are never on this (public) server: see metrics-server.ts.
  const server = createServer(
    { connectionsCheckingInterval: options.timeoutCheckIntervalMs ?? 1_000 },
    async (req, res) => {
      inFlight++;
      lastRequestAt = performance.now();
      const startedAt = performance.now();
      let route = "unmatched";
      res.on("close", () => {
        inFlight--;
        if (draining && inFlight === 0) drained?.();
        // An aborted request never got a status of its own; 499 is the usual "client closed" mark.
        options.onRequestEnd?.({
          method: req.method ?? "GET",
          route,
          status: res.writableFinished ? res.statusCode : 499,
          durationMs: performance.now() - startedAt,
        });
      });
      const incoming = req.headers["x-request-id"];
      const requestId =
        options.trustRequestId && typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      for (const [name, value] of fixedHeaders) res.setHeader(name, value);
      res.setHeader("x-request-id", requestId);
      if (draining) res.setHeader("connection", "close");
      let url: URL;
      try {
        url = new URL(req.url ?? "/", "http://localhost");
      } catch {
        return sendError(res, 400, "BAD_REQUEST", "Malformed request URL");
      }
      if (knownPaths.has(url.pathname)) route = url.pathname;
      const exact = routes[`${req.method} ${url.pathname}`];
      const prefix = exact ? undefined : prefixes.find((p) => url.pathname.startsWith(p));
      if (prefix) route = `${prefix}*`;
      if (options.cors && !prefix && applyCors(req, res, options.cors)) return;
      const handler = exact ?? (prefix ? options.prefixRoutes?.[prefix] : undefined);
      if (!handler) {
        const known = Object.keys(routes).some((key) => key.endsWith(` ${url.pathname}`));
        return known
          ? sendError(res, 405, "BAD_REQUEST", `Method ${req.method} not allowed`)
          : sendError(res, 404, "NOT_FOUND", "Not found");
      }
      try {
        await handler(req, res, { requestId, url });
      } catch (error) {
        logger.error({ err: error, requestId, path: url.pathname }, "request handler failed");
        sendError(res, 500, "INTERNAL_SERVER_ERROR", "Internal server error", { "x-request-id": requestId });
      }
    },
  );
  server.headersTimeout = options.headersTimeoutMs ?? 10_000;
  server.requestTimeout = options.requestTimeoutMs ?? 30_000;
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    // Headers or request too slow (headersTimeout/requestTimeout): 408, as Node itself would answer.
    const status = err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? "408 Request Timeout" : "400 Bad Request";
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });

  return {
    server,
    get draining() {
      return draining;
    },
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
          resolve({
            port: address.port,
            url: `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${address.port}`,
          });
        });
      });
    },
    async close(graceMs = 10_000, drainDelayMs = 0) {
      draining = true;
      // Phase 1: still listening and serving, every answer saying `connection: close`, so clients on
      // open keep-alive connections move off after their next request instead of having a socket
      // closed under a request they are sending (a reset), and probes see /readyz 503 first.
      const until = performance.now() + drainDelayMs;
      const quietMs = options.drainQuietMs ?? DRAIN_QUIET_MS;
      while (performance.now() < until && (inFlight > 0 || performance.now() - lastRequestAt < quietMs)) {
        await new Promise((resolve) => setTimeout(resolve, 20).unref());
      }
      // Phase 2: stop accepting, close idle connections, give in-flight requests up to graceMs.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          new Promise((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
