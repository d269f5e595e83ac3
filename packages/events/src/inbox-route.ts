import type { IncomingMessage } from "node:http";
import { isValidServiceToken, SERVICE_TOKEN_HEADER } from "@shopgraph/auth";
import { sendError, sendJson, type RouteHandler } from "@shopgraph/http";
import type { Logger } from "@shopgraph/logger";
import { DEFAULT_INBOX_TABLE, writeInbox, type Queryable } from "./inbox-store.ts";
import { readPushBatch } from "./push-batch.ts";

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
    const events = await readPushBatch(req, res, limit);
    if (!events) return;
    const result = await writeInbox(options.db, table, events);
    if (result.rejected > 0)
      options.logger.warn({ rejected: result.rejected }, "malformed pushed events stored as dead letters");
    if (result.accepted > 0) options.onStored?.();
    sendJson(res, 200, result);
  };
}
