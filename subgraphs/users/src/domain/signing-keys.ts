import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JSONWebKeySet, type JWK } from "jose";
import { ACCESS_TOKEN_ALG } from "@shopgraph/auth";

/** The keys users signs access tokens with; the first is active, the rest verify only (rotation). */
export interface SigningKeys {
  active: { kid: string; key: CryptoKey };
  /** Public keys served at /.well-known/jwks.json. */
  jwks: JSONWebKeySet;
  /** The same keys, private: the OAuth authorization server signs app tokens with them (one JWKS for both). */
  privateJwks: JWK[];
}

function toPublic(jwk: JWK): JWK {
  const { d: _private, ...rest } = jwk;
  return { ...rest, alg: ACCESS_TOKEN_ALG, use: "sig" };
}

/** Imports private JWKs (production: from JWT_PRIVATE_KEYS); validates that each is an Ed25519 key with a kid. */
export async function importSigningKeys(privateJwks: JWK[]): Promise<SigningKeys> {
  if (privateJwks.length === 0) throw new Error("at least one signing key is required");
  for (const jwk of privateJwks) {
    if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || !jwk.d || !jwk.kid)
      throw new Error("signing keys must be private Ed25519 JWKs with a kid");
  }
  const first = privateJwks[0] as JWK & { kid: string };
  const key = (await importJWK(first, ACCESS_TOKEN_ALG)) as CryptoKey;
  return {
    active: { kid: first.kid, key },
    jwks: { keys: privateJwks.map(toPublic) },
    privateJwks: privateJwks.map((jwk) => ({ ...jwk, alg: ACCESS_TOKEN_ALG, use: "sig" })),
  };
}

/** Generates a fresh Ed25519 private JWK with a kid. */
export async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALG, { crv: "Ed25519", extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `k-${Date.now().toString(36)}` };
}

/**
 * Development keys: generated on first start into `file` (under the gitignored data dir) and
 * reused afterwards, so tokens survive restarts without any key ever entering git.
 */
export async function loadOrCreateDevKeys(file: string): Promise<SigningKeys> {
  if (existsSync(file)) return importSigningKeys(JSON.parse(readFileSync(file, "utf8")) as JWK[]);
  const jwk = await generateSigningJwk();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify([jwk], null, 2), { mode: 0o600 });
  return importSigningKeys([jwk]);
}
