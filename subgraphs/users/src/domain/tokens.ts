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

/** Signs a short-lived access token with the claims every verifier checks. */
export async function signAccessToken(keys: SigningKeys, settings: TokenSettings, user: { id: string; role: Role }): Promise<{ token: string; expiresAt: Date }> {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + settings.accessTokenTtlSeconds;
  const token = await new SignJWT({ role: user.role })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: keys.active.kid, typ: "JWT" })
    .setSubject(user.id)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt(now)
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
