import { isValidServiceToken, SERVICE_TOKEN_HEADER } from "@shopgraph/auth";
import { parseEnvelope, readPushBatch, type EventEnvelope } from "@shopgraph/events";
import { sendError, sendJson, type RouteHandler } from "@shopgraph/http";
import type { EventFeed } from "./event-feed.ts";

/** Where embedded-mode producers push live events (the supervisor derives LIVE_EVENTS_URLS from it). */
export const LIVE_EVENTS_PATH = "/internal/live-events";

/** Options for {@link createLiveEventsRoute}. */
export interface LiveEventsRouteOptions {
  feed: EventFeed;
  /** The gateway credential and, while it rotates, the previous one: the only callers let in. */
  credentials: readonly string[];
  /** Default 1 MiB (a full batch of small envelopes). */
  bodyLimitBytes?: number;
}

/**
 * `POST /internal/live-events`, embedded mode only (no Redis): the producers' relays and the
 * notifications announcer push `{ "events": [envelope, …] }` here after the state change
 * committed, and the gateway hands them to its local feed (its subscribers). Callers present the
 * gateway credential: a forged event cannot leak data (each is resolved with the subscriber's
 * own token) but would cost queries, so only the services of this stack may push. A batch is
 * taken whole or refused whole with a coded error.
 */
export function createLiveEventsRoute(options: LiveEventsRouteOptions): RouteHandler {
  const limit = options.bodyLimitBytes ?? 1024 * 1024;
  return async (req, res) => {
    const header = req.headers[SERVICE_TOKEN_HEADER];
    if (!isValidServiceToken(typeof header === "string" ? header : undefined, options.credentials))
      return sendError(res, 401, "UNAUTHENTICATED", "The gateway credential is required to push live events");
    const raw = await readPushBatch(req, res, limit);
    if (!raw) return;
    const events: EventEnvelope[] = [];
    for (const [index, value] of raw.entries()) {
      try {
        events.push(parseEnvelope(value));
      } catch {
        return sendError(res, 400, "BAD_REQUEST", `events[${index}] is not a valid event envelope`);
      }
    }
    for (const event of events) options.feed.emit(event);
    sendJson(res, 200, { accepted: events.length });
  };
}
