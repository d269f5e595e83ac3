import { createHash, timingSafeEqual } from "node:crypto";

/** Header carrying the service credential between subgraphs (never forwarded by the gateway). */
export const SERVICE_TOKEN_HEADER = "x-service-token";

/** Constant-time check of a presented service credential against the configured one. */
export function isValidServiceToken(presented: string | undefined, expected: string | undefined): boolean {
  if (!presented || !expected) return false;
  // Hash both sides so lengths match and timingSafeEqual cannot leak the expected length.
  const a = createHash("sha256").update(presented).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
