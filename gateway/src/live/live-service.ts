import { randomUUID } from "node:crypto";
import type { ApolloServer, HTTPGraphQLRequest } from "@apollo/server";
import type { Viewer, VerifyAccessToken } from "@shopgraph/auth";
import { createEnvelope, type EventEnvelope } from "@shopgraph/events";
import { codedError, ErrorCode } from "@shopgraph/errors";
import type { Logger } from "@shopgraph/logger";
import { contextFromTraceparent, currentTraceparent, withSpan } from "@shopgraph/telemetry";
import { SpanKind } from "@opentelemetry/api";
import type { FormattedExecutionResult, GraphQLFormattedError } from "graphql";
import { decodeJwt } from "jose";
import type { GatewayContext } from "../context.ts";
import type { EventFeed } from "./event-feed.ts";
import { planSubscription, type LivePlan } from "./live-fields.ts";
import { liveMetrics } from "./live-metrics.ts";
import { LiveStream } from "./live-stream.ts";

/** The transports on /graphql (a metrics label). */
export type LiveTransport = "multipart" | "ws" | "sse";

/** Limits of live subscriptions (gateway config LIVE_*). */
export interface LiveLimits {
  maxPerUser: number;
  maxPerConnection: number;
  bufferSize: number;
  /** How often an open stream re-verifies its token (revocation reaches it within this). */
  authRecheckMs: number;
}

/** What a transport knows about the client asking to subscribe. */
export interface LiveRequest {
  request: {
    query?: string;
    variables?: Record<string, unknown>;
    operationName?: string;
    extensions?: Record<string, unknown>;
  };
  /** The HTTP request (headers: client name for trusted documents); the upgrade request for WebSocket. */
  http?: HTTPGraphQLRequest;
  /** The verified access token, or null (anonymous). */
  token: string | null;
  viewer: Viewer | null;
  clientIp: string;
  transport: LiveTransport;
  /** Subscriptions open on this connection (WebSocket, SSE single connection); the transport owns it. */
  connection?: { open: number };
}

/** A started subscription, or why it was refused (formatted errors and the HTTP status to answer). */
export type LiveOutcome =
  | { kind: "stream"; stream: AsyncIterableIterator<FormattedExecutionResult> }
  | { kind: "result"; result: FormattedExecutionResult; status: number };

/** Builds the gateway context a live request runs with (the same shape as an HTTP request's). */
export type LiveContextFactory = (input: {
  viewer: Viewer | null;
  token: string | null;
  clientIp: string;
  requestId: string;
  live: GatewayContext["live"];
}) => GatewayContext;

/** Dependencies of {@link createLiveService}. */
export interface LiveServiceDeps {
  apollo: ApolloServer<GatewayContext>;
  feed: EventFeed;
  verify: VerifyAccessToken;
  createContext: LiveContextFactory;
  limits: LiveLimits;
  logger: Logger;
}

/** Subscriptions on this gateway process. */
export interface LiveService {
  subscribe(request: LiveRequest): Promise<LiveOutcome>;
  /** Open subscriptions. */
  readonly active: number;
  /** Refuses new subscriptions and completes every open stream (clients reconnect elsewhere). */
  close(): Promise<void>;
}

const formatted = (error: ReturnType<typeof codedError>): GraphQLFormattedError => error.toJSON();
const errorResult = (error: ReturnType<typeof codedError>): FormattedExecutionResult => ({
  errors: [formatted(error)],
});
const refuse = (error: ReturnType<typeof codedError>, status: number): LiveOutcome => ({
  kind: "result",
  result: errorResult(error),
  status,
});

/** Codes of a per-event answer that mean "not for this subscriber": nothing is sent. */
const NOT_VISIBLE = new Set<unknown>([ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN]);

/**
 * Live subscriptions: a subscription is admitted once through the gateway's own request pipeline
 * (trusted documents, depth/alias/cost limits, authorization, rate limit), then each event that
 * concerns the subscriber is resolved by the equivalent public query (notificationAdded →
 * notification(id), orderUpdated(id) → order(id)) executed by the same gateway with the
 * subscriber's token: the query plan federates the selection and the subgraphs authorize it per
 * event. The token is re-verified per event and every `authRecheckMs`; expiry or revocation ends
 * the stream with UNAUTHENTICATED.
 */
export function createLiveService(deps: LiveServiceDeps): LiveService {
  const { apollo, limits, logger } = deps;
  const perUser = new Map<string, number>();
  const streams = new Set<LiveStream>();
  let closing = false;

  const admit = async (input: LiveRequest) => {
    const context = deps.createContext({
      viewer: input.viewer,
      token: input.token,
      clientIp: input.clientIp,
      requestId: randomUUID(),
      live: { mode: "admit" },
    });
    const response = await apollo.executeOperation(
      { ...input.request, ...(input.http ? { http: input.http } : {}) },
      { contextValue: context },
    );
    const live = context.live?.mode === "admit" ? context.live.admitted : undefined;
    const result =
      response.body.kind === "single"
        ? response.body.singleResult
        : { errors: [formatted(codedError(ErrorCode.BAD_REQUEST, "Incremental delivery is not supported here"))] };
    return {
      admitted: result.errors?.length ? undefined : live,
      result: result as FormattedExecutionResult,
      status: response.http.status ?? (result.errors?.length ? 400 : 200),
    };
  };

  const resolveEvent = async (
    plan: LivePlan,
    input: LiveRequest & { viewer: Viewer; token: string },
    event: EventEnvelope,
    entityId: string,
    stream: LiveStream,
  ): Promise<FormattedExecutionResult | null> => {
    let viewer: Viewer;
    try {
      viewer = await deps.verify(input.token);
    } catch {
      stream.end(
        errorResult(
          codedError(
            ErrorCode.UNAUTHENTICATED,
            "The access token expired or was revoked: refresh it and subscribe again",
            { reason: "TOKEN_INVALID" },
          ),
        ),
      );
      return null;
    }
    // The delivery continues the trace of the event that caused it.
    return withSpan(
      `deliver ${plan.field}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFromTraceparent(event.traceparent),
        attributes: {
          "graphql.operation.type": "subscription",
          "shopgraph.live.transport": input.transport,
          "shopgraph.event.type": event.type,
          "shopgraph.event.id": event.id,
        },
      },
      async () => {
        const context = deps.createContext({
          viewer,
          token: input.token,
          clientIp: input.clientIp,
          requestId: randomUUID(),
          live: { mode: "event" },
        });
        const response = await apollo.executeOperation(
          {
            query: plan.query,
            variables: plan.variablesFor(entityId),
            ...(input.request.operationName ? { operationName: input.request.operationName } : {}),
          },
          { contextValue: context },
        );
        const result = (
          response.body.kind === "single" ? response.body.singleResult : { errors: [] }
        ) as FormattedExecutionResult;
        const value = result.data?.[plan.responseKey];
        if (value !== null && value !== undefined) {
          liveMetrics.delivered(plan.field, input.transport, event.occurredAt);
          return result;
        }
        const codes = (result.errors ?? []).map((e) => e.extensions?.code);
        if (codes.includes(ErrorCode.UNAUTHENTICATED)) {
          stream.end(
            errorResult(
              codedError(
                ErrorCode.UNAUTHENTICATED,
                "The access token expired or was revoked: refresh it and subscribe again",
                { reason: "TOKEN_INVALID" },
              ),
            ),
          );
          return null;
        }
        if (codes.length === 0 || codes.every((code) => NOT_VISIBLE.has(code))) {
          liveMetrics.dropped(plan.field, "not_visible");
          return null;
        }
        // An outage (a subgraph down): the client learns of this event's failure; the stream goes on.
        liveMetrics.dropped(plan.field, "failed");
        return { errors: result.errors ?? [] };
      },
    );
  };

  return {
    get active() {
      return streams.size;
    },
    async subscribe(input) {
      if (closing)
        return refuse(
          codedError(ErrorCode.SERVICE_UNAVAILABLE, "The server is shutting down: subscribe again", {
            retryable: true,
          }),
          503,
        );
      const { admitted, result, status } = await admit(input);
      // Not a subscription (a query or mutation over a live transport): its one result.
      if (!admitted) return { kind: "result", result, status };
      if (!input.viewer || !input.token)
        return refuse(codedError(ErrorCode.UNAUTHENTICATED, "Subscriptions require a signed-in user"), 401);
      const plan = planSubscription(admitted.document, admitted.operation, input.request.variables ?? {});
      if (!plan)
        return refuse(codedError(ErrorCode.GRAPHQL_VALIDATION_FAILED, "This subscription has no live source"), 400);
      const userId = input.viewer.id;
      const userCount = perUser.get(userId) ?? 0;
      if (userCount >= limits.maxPerUser) {
        liveMetrics.rejected("per_user");
        return refuse(
          codedError(ErrorCode.SUBSCRIPTION_LIMIT_EXCEEDED, `At most ${limits.maxPerUser} subscriptions per user`, {
            limit: limits.maxPerUser,
          }),
          429,
        );
      }
      if (input.connection && input.connection.open >= limits.maxPerConnection) {
        liveMetrics.rejected("per_connection");
        return refuse(
          codedError(
            ErrorCode.SUBSCRIPTION_LIMIT_EXCEEDED,
            `At most ${limits.maxPerConnection} subscriptions per connection`,
            { limit: limits.maxPerConnection },
          ),
          429,
        );
      }
      const authed = { ...input, viewer: input.viewer, token: input.token };
      const timers: NodeJS.Timeout[] = [];
      let stopListening = () => {};
      const connection = input.connection;
      const stream: LiveStream = new LiveStream({
        bufferSize: limits.bufferSize,
        resolve: ({ event, entityId }) => resolveEvent(plan, authed, event, entityId, stream),
        onOverflow: () => liveMetrics.dropped(plan.field, "slow_consumer"),
        overflowError: errorResult(
          codedError(
            ErrorCode.SUBSCRIBER_TOO_SLOW,
            `The subscriber fell more than ${limits.bufferSize} events behind and was dropped: subscribe again`,
            { limit: limits.bufferSize, retryable: true },
          ),
        ),
        onEnd: () => {
          stopListening();
          for (const timer of timers) clearTimeout(timer);
          streams.delete(stream);
          const left = (perUser.get(userId) ?? 1) - 1;
          if (left > 0) perUser.set(userId, left);
          else perUser.delete(userId);
          if (connection) connection.open--;
          liveMetrics.closed(plan.field, input.transport);
        },
      });
      perUser.set(userId, userCount + 1);
      if (connection) connection.open++;
      streams.add(stream);
      liveMetrics.opened(plan.field, input.transport);
      // Only events that concern this subscriber queue up (the same check runs again on resolve).
      stopListening = deps.feed.listen(plan.eventTypes, (event) => {
        const entityId = plan.match(event, authed.viewer);
        if (entityId) stream.push({ event, entityId });
      });
      if (plan.initial)
        stream.push({
          event: createEnvelope("live.initial_state", {}, { traceparent: currentTraceparent() }),
          entityId: plan.initial,
        });
      const expired = () =>
        stream.end(
          errorResult(
            codedError(ErrorCode.UNAUTHENTICATED, "The access token expired: refresh it and subscribe again", {
              reason: "TOKEN_EXPIRED",
            }),
          ),
        );
      // timers[0]: the token's expiry; timers[1]: the next revocation check.
      const exp = decodeJwt(input.token).exp;
      timers[0] = setTimeout(expired, exp ? Math.max(0, exp * 1000 - Date.now()) : 2 ** 31 - 1).unref();
      const recheck = () => {
        deps.verify(authed.token).then(
          () => {
            if (!stream.closed) timers[1] = setTimeout(recheck, limits.authRecheckMs).unref();
          },
          () =>
            stream.end(
              errorResult(
                codedError(ErrorCode.UNAUTHENTICATED, "The access token was revoked: sign in and subscribe again", {
                  reason: "TOKEN_REVOKED",
                }),
              ),
            ),
        );
      };
      timers[1] = setTimeout(recheck, limits.authRecheckMs).unref();
      logger.debug({ operation: plan.field, transport: input.transport, userId }, "subscription started");
      return { kind: "stream", stream };
    },
    async close() {
      closing = true;
      for (const stream of streams) stream.end();
    },
  };
}
