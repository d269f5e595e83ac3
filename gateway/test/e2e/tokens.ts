import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { importJWK, SignJWT, type JWK } from "jose";
import { signAppToken, type AppTokenOptions } from "@shopgraph/testing";

/**
 * Signs a token with the users subgraph's real development key (read from its data dir), so
 * tests can mint tokens that differ from valid ones in exactly one claim (e.g. already expired).
 */
export async function signWithUsersKey(
  dataDir: string,
  claims: { sub: string; role: string; iss: string; aud: string; expiresInSeconds: number },
): Promise<string> {
  const [jwk] = JSON.parse(readFileSync(join(dataDir, "keys", "users-signing-keys.json"), "utf8")) as (JWK & {
    kid: string;
  })[];
  const key = await importJWK(jwk!, "EdDSA");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: "EdDSA", kid: jwk!.kid })
    .setSubject(claims.sub)
    .setIssuer(claims.iss)
    .setAudience(claims.aud)
    .setIssuedAt(now - 3600)
    .setExpirationTime(now + claims.expiresInSeconds)
    .setJti(randomUUID())
    .sign(key);
}

/** An app access token (at+jwt, client_id, scope) signed with the users subgraph's development key, as its OAuth server issues them. */
export async function signAppWithUsersKey(dataDir: string, options: AppTokenOptions): Promise<string> {
  const [jwk] = JSON.parse(readFileSync(join(dataDir, "keys", "users-signing-keys.json"), "utf8")) as (JWK & {
    kid: string;
  })[];
  return signAppToken(await importJWK(jwk!, "EdDSA"), jwk!.kid, options);
}
