import type { IncomingMessage } from "node:http";
import type { RevocationStore } from "@shopgraph/auth";
import { sendError, sendJson, type RouteHandler } from "@shopgraph/http";

/**
 * GET /revocations?after=<cursor>: the users subgraph's in-memory revocations for verifiers that
 * have no Redis to share (embedded development mode). It names user ids, so only callers holding
 * a credential get it.
 */
export function revocationFeedRoute(
  store: RevocationStore,
  isAllowed: (req: IncomingMessage) => boolean,
): RouteHandler {
  return async (req, res, info) => {
    if (!isAllowed(req)) return sendError(res, 401, "UNAUTHENTICATED", "A service credential is required");
    const after = info.url.searchParams.get("after") ?? undefined;
    if (after !== undefined && !/^[\w:-]{1,64}$/.test(after))
      return sendError(res, 400, "BAD_USER_INPUT", "Malformed cursor");
    sendJson(res, 200, await store.read(after), { "cache-control": "no-store" });
  };
}
