import type { IncomingMessage } from "node:http";
import { identifyCaller, SERVICE_TOKEN_HEADER, type AcceptedCredentials, type ServiceCaller } from "@shopgraph/auth";
import { sendError, type RouteHandler } from "@shopgraph/http";

// The door and the context builder both ask; the header is hashed once per request.
const callers = new WeakMap<IncomingMessage, ServiceCaller | null>();

/** The caller proven by a request's x-service-token header, or null. */
export function callerOf(req: IncomingMessage, credentials: AcceptedCredentials): ServiceCaller | null {
  const known = callers.get(req);
  if (known !== undefined) return known;
  const header = req.headers[SERVICE_TOKEN_HEADER];
  const caller = identifyCaller(typeof header === "string" ? header : undefined, credentials);
  callers.set(req, caller);
  return caller;
}

/**
 * Zero trust at the door: a subgraph answers only the gateway and its sibling services. Without
 * an accepted credential the request is refused before its body is read, parsed or executed, so
 * `_service` (the SDL, internal mutations included) and `_entities` stay closed too. Missing is
 * 401 UNAUTHENTICATED, present but not accepted is 403 FORBIDDEN (a rotation gone wrong).
 */
export function requireServiceCredential(handler: RouteHandler, credentials: AcceptedCredentials): RouteHandler {
  return (req, res, info) => {
    if (callerOf(req, credentials)) return handler(req, res, info);
    // The unread body would otherwise be parsed as the next request on this connection.
    res.setHeader("connection", "close");
    if (!req.headers[SERVICE_TOKEN_HEADER])
      return sendError(res, 401, "UNAUTHENTICATED", "A service credential is required");
    return sendError(res, 403, "FORBIDDEN", "Service credential not accepted");
  };
}
