import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { HeaderMap } from "@apollo/server";
import type { Viewer, VerifyAccessToken } from "@shopgraph/auth";
import type { Logger } from "@shopgraph/logger";
import { GraphQLError, parse, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from "graphql";
import { makeServer, CloseCode } from "graphql-ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { LiveService } from "./live-service.ts";

/** Options for {@link createWebSocketTransport}. */
export interface WebSocketTransportOptions {
  live: LiveService;
  verify: VerifyAccessToken;
  logger: Logger;
  /** Browser origins allowed to open a socket (CORS allow-list); requests without Origin (apps, servers) pass. */
  origins: readonly string[];
  clientIp: (req: IncomingMessage) => string;
  connectionInitTimeoutMs: number;
  keepAliveMs: number;
  production: boolean;
  /** graphql-ws wants a schema in its execution arguments; the gateway's API schema (never used to execute). */
  schema: () => GraphQLSchema;
}

const STREAM_DOCUMENT = parse("subscription { __typename }");
const SINGLE_DOCUMENT = parse("{ __typename }");

/** What one socket carries besides graphql-ws' own state. */
interface SocketState {
  viewer: Viewer | null;
  token: string | null;
  open: { open: number };
}

/** The token from `connectionParams`: `{ authorization: "Bearer …" }` (as an HTTP header) or `{ token: "…" }`. */
function tokenFrom(params: Readonly<Record<string, unknown>> | undefined): string | null | undefined {
  const raw = params?.authorization ?? params?.Authorization ?? params?.token;
  if (raw === undefined || raw === null || raw === "") return null;
  if (typeof raw !== "string") return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(raw);
  return match ? match[1] : raw.includes(" ") ? undefined : raw;
}

/**
 * WebSocket on /graphql with the graphql-transport-ws protocol (the graphql-ws library): the
 * token arrives in `connectionParams` and is verified at connection_init (a bad one closes
 * 4403); connection_init must come within the timeout (4408); ws pings keep idle links alive
 * and find dead ones. Each subscribe goes through the live service (admission, limits, per-event
 * queries). Returns the upgrade handler and a close that ends every socket with 1001.
 */
export function createWebSocketTransport(options: WebSocketTransportOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  const server = makeServer<Record<string, unknown> | undefined, { state: SocketState; request: IncomingMessage }>({
    connectionInitWaitTimeout: options.connectionInitTimeoutMs,
    onConnect: async (ctx) => {
      const token = tokenFrom(ctx.connectionParams);
      if (token === undefined) return false;
      if (token === null) return true;
      try {
        ctx.extra.state.viewer = await options.verify(token);
        ctx.extra.state.token = token;
        return true;
      } catch {
        return false;
      }
    },
    onSubscribe: async (ctx, _id, payload) => {
      const { state, request } = ctx.extra;
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(request.headers))
        if (typeof value === "string") headers.set(name, value);
      const outcome = await options.live.subscribe({
        request: {
          query: payload.query,
          ...(payload.variables ? { variables: payload.variables } : {}),
          ...(payload.operationName ? { operationName: payload.operationName } : {}),
          ...(payload.extensions ? { extensions: payload.extensions } : {}),
        },
        http: { method: "POST", headers, search: "", body: null },
        token: state.token,
        viewer: state.viewer,
        clientIp: options.clientIp(request),
        transport: "ws",
        connection: state.open,
      });
      if (outcome.kind === "result" && outcome.result.errors?.length) {
        return outcome.result.errors.map((e) => new GraphQLError(e.message, { extensions: e.extensions ?? {} }));
      }
      // graphql-ws only reads the operation type from the document (stream or single result).
      const args: ExecutionArgs = {
        schema: options.schema(),
        document: outcome.kind === "stream" ? STREAM_DOCUMENT : SINGLE_DOCUMENT,
        contextValue: outcome,
      };
      return args;
    },
    // The live service already produced the stream (or the single result of a query/mutation).
    execute: (args) => single(args),
    subscribe: (args) => single(args),
    // Results are formatted already (masked errors as plain objects): sent as they are.
    onNext: (_ctx, _id, _payload, _args, result) => result,
  });

  const single = (args: ExecutionArgs) => {
    const outcome = args.contextValue as Awaited<ReturnType<LiveService["subscribe"]>>;
    return outcome.kind === "stream"
      ? (outcome.stream as unknown as AsyncGenerator<ExecutionResult>)
      : (outcome.result as ExecutionResult);
  };

  const sockets = new Set<WebSocket>();
  wss.on("connection", (socket: WebSocket, request: IncomingMessage) => {
    sockets.add(socket);
    const state: SocketState = { viewer: null, token: null, open: { open: 0 } };
    let alive = true;
    // ws-level pings: idle connections stay open through proxies, dead peers are found and closed.
    const pinger = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, options.keepAliveMs).unref();
    socket.on("pong", () => (alive = true));
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => socket.send(data, (err) => (err ? reject(err) : resolve()))),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on("message", (data: Buffer) => {
            cb(String(data)).catch((error: unknown) => {
              options.logger.error({ err: error }, "websocket message failed");
              socket.close(
                CloseCode.InternalServerError,
                options.production ? "Internal server error" : String(error).slice(0, 100),
              );
            });
          }),
      },
      { state, request },
    );
    socket.once("close", (code: number, reason: Buffer) => {
      clearInterval(pinger);
      sockets.delete(socket);
      void closed(code, String(reason));
    });
  });

  return {
    /** Handles an HTTP upgrade on /graphql (other paths are refused by the caller). */
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      const origin = req.headers.origin;
      if (origin && !options.origins.includes(origin)) {
        socket.end("HTTP/1.1 403 Forbidden\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
    },
    /** Completes every subscription and closes every socket with 1001 (going away: reconnect elsewhere). */
    async close() {
      for (const socket of sockets) socket.close(1001, "Server shutting down");
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
