import type { IncomingMessage } from "node:http";

/**
 * Header the gateway sets to the client's address on every subgraph call, for per-IP policies
 * inside subgraphs (the users login throttle). Subgraphs believe it only on requests that carry an
 * accepted gateway/service credential; the gateway never copies it from clients.
 */
export const CLIENT_IP_HEADER = "x-shopgraph-client-ip";

/**
 * The client address a subgraph request speaks for: the credentialed caller's CLIENT_IP_HEADER,
 * else the socket peer. `trusted` must be true only once the caller's credential was verified.
 */
export function clientIpOf(req: IncomingMessage, trusted: boolean): string {
  const forwarded = req.headers[CLIENT_IP_HEADER];
  if (trusted && typeof forwarded === "string" && forwarded.length > 0 && forwarded.length <= 64)
    return forwarded.trim();
  return req.socket.remoteAddress ?? "unknown";
}
