import type { IncomingMessage } from "node:http";
import type { ApolloServer } from "@apollo/server";
import type { VerifyAccessToken } from "@shopgraph/auth";
import { createOperationState, type HttpServerHandle, type RouteHandler } from "@shopgraph/http";
import { lazyChildLogger, type Logger } from "@shopgraph/logger";
import { buildSchema } from "graphql";
import type { GatewayConfig } from "../config.ts";
import type { GatewayContext } from "../context.ts";
import { createLocalEventFeed, createRedisEventFeed, type EventFeed } from "./event-feed.ts";
import { createLiveEventsRoute } from "./live-events-route.ts";
import { createLiveService, type LiveService } from "./live-service.ts";
import { createMultipartTransport, wantsMultipartSubscription } from "./multipart-transport.ts";
import { createSseTransport, wantsEventStream } from "./sse-transport.ts";
import { createWebSocketTransport } from "./ws-transport.ts";

/** What {@link attachLiveUpdates} needs from the gateway. */
export interface LiveUpdatesDeps {
  apollo: ApolloServer<GatewayContext>;
  http: HttpServerHandle;
  verify: VerifyAccessToken;
  logger: Logger;
  clientIp: (req: IncomingMessage) => string;
  /** Tests and embedded mode hand events in directly; default: Redis when REDIS_URL is set, else in process. */
  feed?: EventFeed;
}

/** Live updates attached to a gateway: the /graphql route wrapper and the shutdown step. */
export interface LiveUpdates {
  service: LiveService;
  feed: EventFeed;
  /** Embedded mode's `POST /internal/live-events` (the producers' pushes into this process's feed); unset with Redis. */
  eventsRoute: RouteHandler | undefined;
  /** Sends multipart and SSE subscription requests to their transports, everything else to `route`. */
  wrap(route: RouteHandler): RouteHandler;
  /** Completes every stream and closes every socket (before the HTTP drain, so nothing waits on them). */
  close(): Promise<void>;
}

/** graphql-ws asks for a schema in its execution arguments; it never executes with it (the live service does). */
const PLACEHOLDER_SCHEMA = buildSchema("type Query { live: Boolean } type Subscription { live: Boolean }");

/**
 * GraphQL subscriptions on /graphql over three transports (multipart HTTP, graphql-ws, graphql-sse),
 * all served by one live service over one event feed per gateway process (Redis: the shared
 * events stream, so every replica sees every event; embedded mode: the producers push to
 * `POST /internal/live-events`).
 */
export async function attachLiveUpdates(config: GatewayConfig, deps: LiveUpdatesDeps): Promise<LiveUpdates> {
  const feed =
    deps.feed ??
    (config.REDIS_URL
      ? await createRedisEventFeed({ url: config.REDIS_URL, prefix: config.REDIS_KEY_PREFIX, logger: deps.logger })
      : createLocalEventFeed(deps.logger));
  const service = createLiveService({
    apollo: deps.apollo,
    feed,
    verify: deps.verify,
    logger: deps.logger,
    limits: {
      maxPerUser: config.LIVE_MAX_SUBSCRIPTIONS_PER_USER,
      maxPerConnection: config.LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION,
      bufferSize: config.LIVE_BUFFER_SIZE,
      authRecheckMs: config.LIVE_AUTH_RECHECK_MS,
    },
    createContext: ({ viewer, token, clientIp, requestId, live }) => ({
      requestId,
      logger: lazyChildLogger(deps.logger, { requestId }),
      viewer,
      clientIp,
      accessToken: token,
      operation: createOperationState(),
      ...(live ? { live } : {}),
    }),
  });
  const common = {
    live: service,
    verify: deps.verify,
    clientIp: deps.clientIp,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
  };
  const multipart = createMultipartTransport({ ...common, heartbeatMs: config.LIVE_HEARTBEAT_MS });
  const sse = createSseTransport(common);
  const ws = createWebSocketTransport({
    live: service,
    verify: deps.verify,
    logger: deps.logger,
    origins: config.CORS_ORIGINS,
    clientIp: deps.clientIp,
    connectionInitTimeoutMs: config.LIVE_CONNECTION_INIT_TIMEOUT_MS,
    keepAliveMs: config.LIVE_KEEPALIVE_MS,
    production: config.NODE_ENV === "production",
    schema: () => PLACEHOLDER_SCHEMA,
  });
  deps.http.server.on("upgrade", (req: IncomingMessage, socket, head: Buffer) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path !== "/graphql" || deps.http.draining) {
      socket.end(
        `HTTP/1.1 ${path === "/graphql" ? "503 Service Unavailable" : "404 Not Found"}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
      );
      return;
    }
    ws.handleUpgrade(req, socket, head);
  });
  return {
    service,
    feed,
    // With Redis the stream is the only source: a push as well would deliver every event twice.
    eventsRoute: config.REDIS_URL
      ? undefined
      : createLiveEventsRoute({ feed, credentials: config.GATEWAY_CREDENTIALS }),
    wrap: (route) => async (req, res, info) => {
      if (wantsMultipartSubscription(req)) return multipart(req, res);
      if (wantsEventStream(req)) return sse(req, res);
      return route(req, res, info);
    },
    async close() {
      await service.close();
      await ws.close();
      await feed.close();
    },
  };
}
