import { envUrl, z } from "@shopgraph/config";
import { MAX_CLOCK_TOLERANCE_SECONDS } from "./verifier.ts";

/**
 * Token-verification settings every verifying process reads (spread into the gateway's and each
 * subgraph's config schema, so env is still read only in config.ts).
 */
export const authEnv = {
  /** Allowed clock skew between issuer and verifiers, seconds (0–30). */
  JWT_CLOCK_TOLERANCE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_CLOCK_TOLERANCE_SECONDS)
    .default(MAX_CLOCK_TOLERANCE_SECONDS),
  /** How often revocations are pulled from Redis (or the users feed): the propagation delay, ms (50–4000). */
  REVOCATION_POLL_MS: z.coerce
    .number()
    .int()
    .min(50)
    .max(4_000, "at most 4000, so revocations arrive within 5 s")
    .default(1_000),
  /** Without Redis: the users subgraph's revocation feed (default: next to JWKS_URL, /revocations). */
  REVOCATIONS_URL: envUrl(),
  /**
   * Issuer of third-party app tokens: Shopgraph's OAuth 2.0 authorization server, reached through
   * the gateway, so its public origin (discovery at <origin>/.well-known/openid-configuration).
   */
  OAUTH_ISSUER: z
    .string()
    .url()
    .default("http://localhost:4000")
    .transform((v) => v.replace(/\/+$/, "")),
};
