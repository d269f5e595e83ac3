import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyTooLargeError, readBody, sendError } from "@shopgraph/http";

/** Largest batch one push may carry (the publisher sends at most this many per request). */
export const MAX_PUSH_BATCH = 100;

/**
 * Reads a pushed `{ "events": [...] }` body, the one shape every push endpoint takes (the inbox's
 * `POST /events`, the gateway's live events). Answers the coded refusal itself (413 over
 * `limitBytes`, 400 for malformed JSON, a wrong shape or more than {@link MAX_PUSH_BATCH} events)
 * and then returns undefined; otherwise returns the raw events for the caller to validate.
 */
export async function readPushBatch(
  req: IncomingMessage,
  res: ServerResponse,
  limitBytes: number,
): Promise<unknown[] | undefined> {
  let text: string;
  try {
    text = await readBody(req, limitBytes);
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    res.setHeader("connection", "close");
    sendError(res, 413, "PAYLOAD_TOO_LARGE", `Request body too large (limit ${limitBytes} bytes)`);
    return undefined;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    sendError(res, 400, "BAD_REQUEST", "Malformed JSON body");
    return undefined;
  }
  const events = (body as { events?: unknown } | null)?.events;
  if (!Array.isArray(events) || events.length > MAX_PUSH_BATCH) {
    sendError(res, 400, "BAD_REQUEST", `Expected { "events": [...] } with at most ${MAX_PUSH_BATCH} events`);
    return undefined;
  }
  return events;
}
