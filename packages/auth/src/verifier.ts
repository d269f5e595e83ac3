import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";
import { unauthenticated } from "@shopgraph/errors";
import { ACCESS_TOKEN_ALG, type Role, type Viewer } from "./viewer.ts";

/** Options for {@link createAccessTokenVerifier}. */
export interface VerifierOptions {
  /** Remote JWKS (users' /.well-known/jwks.json); fetched lazily, cached, refetched on unknown `kid`. */
  jwksUrl?: string;
  /** A key set held in memory (users verifies with its own keys; tests). */
  jwks?: JSONWebKeySet | (() => JSONWebKeySet);
  issuer: string;
  audience: string;
}

/** Verifies an access token and returns its viewer; throws UNAUTHENTICATED (HTTP 401). */
export type VerifyAccessToken = (token: string) => Promise<Viewer>;

const ROLES: ReadonlySet<string> = new Set<Role>(["CUSTOMER", "ADMIN"]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function keySource(options: VerifierOptions): JWTVerifyGetKey {
  if (options.jwks) {
    const source = options.jwks;
    if (typeof source !== "function") return createLocalJWKSet(source);
    return (header, token) => createLocalJWKSet(source())(header, token);
  }
  if (!options.jwksUrl) throw new Error("createAccessTokenVerifier: jwksUrl or jwks is required");
  return createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
}

/**
 * Builds the access-token verifier used by the gateway and by every subgraph (zero trust: each
 * verifies again). Algorithm, issuer, audience, expiry and the claim shapes are all enforced.
 */
export function createAccessTokenVerifier(options: VerifierOptions): VerifyAccessToken {
  const keys = keySource(options);
  return async (token) => {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: [ACCESS_TOKEN_ALG],
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ["sub", "exp", "iat", "jti"],
        clockTolerance: 5,
      }));
    } catch (error) {
      // Key-set fetch failures are outages, not bad tokens: let them surface as internal errors
      // instead of telling a client with a valid token to sign in again.
      if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) throw error;
      throw unauthenticated(error instanceof errors.JWTExpired ? "Access token expired" : "Invalid access token", true);
    }
    const role = payload.role;
    if (typeof payload.sub !== "string" || !UUID.test(payload.sub) || typeof role !== "string" || !ROLES.has(role) || typeof payload.jti !== "string") {
      throw unauthenticated("Invalid access token", true);
    }
    return { id: payload.sub, role: role as Role, tokenId: payload.jti };
  };
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

/**
 * The viewer of a request from its Authorization header: null when absent (anonymous is allowed),
 * UNAUTHENTICATED when present but malformed or invalid.
 */
export async function viewerFromAuthorization(header: string | undefined, verify: VerifyAccessToken): Promise<Viewer | null> {
  if (header === undefined || header === "") return null;
  const match = BEARER.exec(header);
  if (!match?.[1]) throw unauthenticated("Malformed Authorization header: expected 'Bearer <token>'", true);
  return verify(match[1]);
}
