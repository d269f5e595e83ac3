import { createHash, randomBytes, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { ACCESS_TOKEN_ALG, type Role } from "@shopgraph/auth";
import type { SigningKeys } from "./signing-keys.ts";

/** Issuer, audience and lifetimes of the tokens users hands out. */
export interface TokenSettings {
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

/**
 * Signs a short-lived access token with the claims every verifier checks. `sid` names the session
 * (refresh-token family), so a logout can revoke exactly its tokens. `iat` keeps milliseconds
 * (RFC 7519 NumericDate allows fractions): a "tokens issued until T are revoked" marker must not
 * also catch the token refreshed a few milliseconds after T, in the same second.
 */
export async function signAccessToken(
  keys: SigningKeys,
  settings: TokenSettings,
  user: { id: string; role: Role },
  sessionId: string,
): Promise<{ token: string; expiresAt: Date }> {
  const nowMs = Date.now();
  const exp = Math.floor(nowMs / 1000) + settings.accessTokenTtlSeconds;
  const token = await new SignJWT({ role: user.role, sid: sessionId })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: keys.active.kid, typ: "JWT" })
    .setSubject(user.id)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt(nowMs / 1000)
    .setExpirationTime(exp)
    .setJti(randomUUID())
    .sign(keys.active.key);
  return { token, expiresAt: new Date(exp * 1000) };
}

/** A new opaque refresh token: 256 random bits. Only its hash is stored. */
export function newRefreshToken(): string {
  return randomBytes(32).toString("base64url");
}

/** The stored form of a refresh token. SHA-256 suffices: the token itself has 256 bits of entropy. */
export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
