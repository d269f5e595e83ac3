import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from "jose";
import { unauthenticated } from "@shopgraph/errors";
import { isUuid } from "@shopgraph/util";
import { observeRefusedToken } from "./auth-metrics.ts";
import type { RevocationList } from "./revocation-list.ts";
import { effectiveScopes, parseScopeClaim } from "./scopes.ts";
import { ACCESS_TOKEN_ALG, type Role, type Viewer } from "./viewer.ts";

/** Options for {@link createAccessTokenVerifier}. */
export interface VerifierOptions {
  /** Remote JWKS (users' /.well-known/jwks.json); fetched lazily, cached, refetched on unknown `kid`. */
  jwksUrl?: string;
  /** A key set held in memory (users verifies with its own keys; tests). */
  jwks?: JSONWebKeySet | (() => JSONWebKeySet);
  issuer: string;
  /**
   * Issuer of third-party app tokens (the OAuth authorization server, oidc-provider in users:
   * the public gateway origin). Tokens it issued must be RFC 9068 (`typ: at+jwt`) with a `client_id`.
   */
  appIssuer?: string | undefined;
  audience: string;
  /** Allowed clock skew for `exp`/`iat`, in seconds; at most {@link MAX_CLOCK_TOLERANCE_SECONDS} (default). */
  clockToleranceSeconds?: number;
  /** Revoked sessions and users (logout, password/role change); unset: no revocation check. */
  revocations?: Pick<RevocationList, "isRevoked">;
}

/** The most clock skew a verifier tolerates between issuer and verifier (issue #13: at most 30 s). */
export const MAX_CLOCK_TOLERANCE_SECONDS = 30;

/** `extensions.reason` of a refused token: only TOKEN_EXPIRED is worth a refresh without signing in again. */
export const TokenErrorReason = {
  TOKEN_EXPIRED: "TOKEN_EXPIRED",
  TOKEN_INVALID: "TOKEN_INVALID",
  TOKEN_REVOKED: "TOKEN_REVOKED",
} as const;

/** A refused token's error, counted in auth_tokens_refused_total. */
function refusal(message: string, reason: keyof typeof TokenErrorReason) {
  observeRefusedToken(reason);
  return unauthenticated(message, true, reason);
}

const invalidToken = (message = "Invalid access token") => refusal(message, TokenErrorReason.TOKEN_INVALID);

/** Verifies an access token and returns its viewer; throws UNAUTHENTICATED (HTTP 401). */
export type VerifyAccessToken = (token: string) => Promise<Viewer>;

const ROLES: ReadonlySet<string> = new Set<Role>(["CUSTOMER", "ADMIN"]);

function keySource(options: VerifierOptions): JWTVerifyGetKey {
  if (options.jwks) {
    const source = options.jwks;
    if (typeof source !== "function") return createLocalJWKSet(source);
    return (header, token) => createLocalJWKSet(source())(header, token);
  }
  if (!options.jwksUrl) throw new Error("createAccessTokenVerifier: jwksUrl or jwks is required");
  return createRemoteJWKSet(new URL(options.jwksUrl), {
    timeoutDuration: 5_000,
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
  });
}

/**
 * Builds the access-token verifier used by the gateway and by every subgraph (zero trust: each
 * verifies again). Algorithm, issuer, audience, expiry, issue time, the claim shapes and
 * revocation are all enforced.
 */
export function createAccessTokenVerifier(options: VerifierOptions): VerifyAccessToken {
  const keys = keySource(options);
  const tolerance = Math.min(options.clockToleranceSeconds ?? MAX_CLOCK_TOLERANCE_SECONDS, MAX_CLOCK_TOLERANCE_SECONDS);
  // A separate app issuer only when it differs from the first-party one (decided once, not per token).
  const appIssuer = options.appIssuer && options.appIssuer !== options.issuer ? options.appIssuer : undefined;
  const issuers = appIssuer ? [options.issuer, appIssuer] : options.issuer;
  return async (token) => {
    let payload, protectedHeader;
    try {
      ({ payload, protectedHeader } = await jwtVerify(token, keys, {
        algorithms: [ACCESS_TOKEN_ALG],
        issuer: issuers,
        audience: options.audience,
        requiredClaims: ["sub", "exp", "iat", "jti"],
        clockTolerance: tolerance,
      }));
    } catch (error) {
      // Key-set fetch failures are outages, not bad tokens: let them surface as internal errors
      // instead of telling a client with a valid token to sign in again.
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) throw error;
      if (error instanceof errors.JWTExpired) throw refusal("Access token expired", TokenErrorReason.TOKEN_EXPIRED);
      throw invalidToken();
    }
    const { sub, jti, sid, iat, client_id: clientId } = payload;
    // The same keys sign the authorization server's ID tokens (aud = the app, refused above) and
    // its access tokens: only an RFC 9068 access token for an app is accepted from that issuer.
    if (appIssuer && payload.iss === appIssuer && (protectedHeader.typ !== "at+jwt" || clientId === undefined))
      throw invalidToken();
    if (clientId !== undefined && (typeof clientId !== "string" || clientId.length === 0 || clientId.length > 128))
      throw invalidToken();
    // Client credentials (RFC 9068 §2.2: sub = client_id): the app acts as itself. Its scopes are
    // what an ADMIN allowed when registering it, so it is capped by ADMIN's scopes, no further.
    const isMachine = clientId !== undefined && sub === clientId;
    const role = isMachine && payload.role === undefined ? "ADMIN" : payload.role;
    if (
      typeof sub !== "string" ||
      !isUuid(sub) ||
      typeof role !== "string" ||
      !ROLES.has(role) ||
      typeof jti !== "string"
    )
      throw invalidToken();
    const claimed = payload.scope === undefined ? undefined : parseScopeClaim(payload.scope);
    if (claimed === null) throw invalidToken();
    // An app token without a scope claim grants nothing; a first-party one without it grants its role's scopes.
    const scopes = effectiveScopes(role as Role, claimed ?? (clientId !== undefined ? new Set() : undefined));
    if (sid !== undefined && (typeof sid !== "string" || !isUuid(sid))) throw invalidToken();
    // jose checks `iat` only together with maxTokenAge: a token dated in the future would otherwise
    // pass, and outlive its `exp - iat` lifetime if the issuer's clock (or key) was abused.
    if (typeof iat !== "number" || iat > Date.now() / 1000 + tolerance)
      throw invalidToken("Access token issued in the future");
    if (options.revocations?.isRevoked({ sub, sid, clientId, iatMs: iat * 1000 }))
      throw refusal("Access token revoked", TokenErrorReason.TOKEN_REVOKED);
    return {
      id: sub,
      role: role as Role,
      tokenId: jti,
      scopes,
      ...(sid ? { sessionId: sid } : {}),
      ...(clientId !== undefined ? { clientId } : {}),
      ...(isMachine ? { isMachine } : {}),
    };
  };
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

/**
 * The viewer of a request from its Authorization header: null when absent (anonymous is allowed),
 * UNAUTHENTICATED when present but malformed or invalid.
 */
export async function viewerFromAuthorization(
  header: string | undefined,
  verify: VerifyAccessToken,
): Promise<Viewer | null> {
  if (header === undefined || header === "") return null;
  const match = BEARER.exec(header);
  if (!match?.[1]) throw invalidToken("Malformed Authorization header: expected 'Bearer <token>'");
  return verify(match[1]);
}
