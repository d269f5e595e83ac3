import type { IncomingMessage } from "node:http";
import { isValidServiceToken, SERVICE_TOKEN_HEADER } from "@shopgraph/auth";
import { BodyTooLargeError, readBody, sendError, sendJson, type RouteHandler } from "@shopgraph/http";
import type { Logger } from "@shopgraph/logger";
import { DEFAULT_INBOX_TABLE, writeInbox, type Queryable } from "./inbox-store.ts";

/** Largest batch one push may carry (the publisher sends at most this many per request). */
export const MAX_PUSH_BATCH = 100;

/** Options for {@link createInboxRoute}. */
export interface InboxRouteOptions {
  db: Queryable;
  /** Default "InboxEvent". */
  table?: string;
  /** The service credential, or its accepted list while it rotates; unset → only loopback callers (development). */
  serviceToken?: string | readonly string[];
  /** Default 1 MiB. */
  bodyLimitBytes?: number;
  logger: Logger;
  /** Called after events were stored (e.g. `consumer.wake()`), so they are handled without a poll delay. */
  onStored?: () => void;
}

const isLoopback = (req: IncomingMessage) => {
  const address = req.socket.remoteAddress ?? "";
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
};

/**
 * `POST /events`: the embedded-mode receiving end of the relays' HTTP push. Body
 * `{ "events": [envelope, …] }`. It answers 200 only after the batch is committed to the inbox
 * (that is the ack: a relay marks events published only then), so at-least-once holds across
 * processes. Callers must present the service token — events trigger emails, so forging them
 * must be impossible; without a configured token only loopback callers are let in.
 */
export function createInboxRoute(options: InboxRouteOptions): RouteHandler {
  const table = options.table ?? DEFAULT_INBOX_TABLE;
  const limit = options.bodyLimitBytes ?? 1024 * 1024;
  return async (req, res) => {
    if (options.serviceToken?.length) {
      const header = req.headers[SERVICE_TOKEN_HEADER];
      if (!isValidServiceToken(typeof header === "string" ? header : undefined, options.serviceToken)) {
        return sendError(res, 401, "UNAUTHENTICATED", "Service credential required");
      }
    } else if (!isLoopback(req)) {
      return sendError(res, 403, "FORBIDDEN", "Event push is only accepted from loopback without a SERVICE_TOKEN");
    }
    let text: string;
    try {
      text = await readBody(req, limit);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      res.setHeader("connection", "close");
      return sendError(res, 413, "PAYLOAD_TOO_LARGE", `Request body too large (limit ${limit} bytes)`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return sendError(res, 400, "BAD_REQUEST", "Malformed JSON body");
    }
    const events = (body as { events?: unknown } | null)?.events;
    if (!Array.isArray(events) || events.length > MAX_PUSH_BATCH) {
      return sendError(res, 400, "BAD_REQUEST", `Expected { "events": [...] } with at most ${MAX_PUSH_BATCH} events`);
    }
    const result = await writeInbox(options.db, table, events);
    if (result.rejected > 0)
      options.logger.warn({ rejected: result.rejected }, "malformed pushed events stored as dead letters");
    if (result.accepted > 0) options.onStored?.();
    sendJson(res, 200, result);
  };
}
