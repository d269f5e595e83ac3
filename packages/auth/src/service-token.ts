import { createHash, timingSafeEqual } from "node:crypto";

/** Header carrying a caller's credential to a subgraph (never copied from clients by the gateway). */
export const SERVICE_TOKEN_HEADER = "x-service-token";

/**
 * Who may call a subgraph. The gateway's credential lets it run client operations; the service
 * credential (subgraph to subgraph: orders → products, event pushes) also unlocks service-only
 * fields. Two secrets, so a compromised gateway cannot reserve or release stock.
 */
export type ServiceCaller = "gateway" | "service";

/** The credentials a subgraph accepts, each a "current[,previous]" list (rotation). */
export interface AcceptedCredentials {
  gateway: readonly string[];
  service: readonly string[];
}

/** Development-only gateway credential (a local stack works without setup; production refuses it). */
export const DEV_GATEWAY_TOKEN = "dev-gateway-token-change-me-please-00000";

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Constant-time check of a presented credential against one or more accepted ones. Every
 * candidate is compared (no early exit), and hashing first gives equal lengths, so neither the
 * match position nor the expected length leaks through timing.
 */
export function isValidServiceToken(
  presented: string | undefined,
  expected: string | readonly string[] | undefined,
): boolean {
  if (!presented || !expected) return false;
  const candidates = typeof expected === "string" ? [expected] : expected;
  const given = digest(presented);
  let match = false;
  for (const candidate of candidates) if (candidate && timingSafeEqual(given, digest(candidate))) match = true;
  return match;
}

// Digests of the accepted tokens, computed once per credentials object (they never change at runtime).
const acceptedDigests = new WeakMap<AcceptedCredentials, { service: Buffer[]; gateway: Buffer[] }>();

const matchesAny = (given: Buffer, digests: readonly Buffer[]): boolean => {
  let match = false;
  for (const candidate of digests) if (timingSafeEqual(given, candidate)) match = true;
  return match;
};

/** The caller a presented credential proves, or null (missing or not accepted). Runs on every subgraph request. */
export function identifyCaller(presented: string | undefined, accepted: AcceptedCredentials): ServiceCaller | null {
  if (!presented) return null;
  let digests = acceptedDigests.get(accepted);
  if (!digests) {
    digests = {
      service: accepted.service.filter(Boolean).map(digest),
      gateway: accepted.gateway.filter(Boolean).map(digest),
    };
    acceptedDigests.set(accepted, digests);
  }
  const given = digest(presented);
  // Both lists are always compared: which one matched must not show in the timing either.
  const service = matchesAny(given, digests.service);
  const gateway = matchesAny(given, digests.gateway);
  return service ? "service" : gateway ? "gateway" : null;
}
