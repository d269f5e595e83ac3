import type { IncomingMessage } from "node:http";

/**
 * The caller's address for per-IP limits (rate limits, the users login throttle). Without a trusted
 * proxy: the socket peer. Behind `trustedHops` proxies that each append to x-forwarded-for: the entry
 * the outermost trusted proxy appended, counted from the right. Entries further left were written by
 * the client itself (a proxy appends, it does not clean), so the leftmost one is never believed: an
 * attacker could rotate it on every request and dodge every per-IP limit.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean, trustedHops = 1): string {
  const forwarded = req.headers["x-forwarded-for"];
  if (trustProxy && typeof forwarded === "string") {
    const entries = forwarded
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean);
    const entry = entries[Math.max(0, entries.length - trustedHops)];
    if (entry) return entry;
  }
  return req.socket.remoteAddress ?? "unknown";
}
