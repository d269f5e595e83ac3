import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet } from "jose";

/** Claims a test token may override (including invalid ones, to prove rejections). */
export interface TestTokenOptions {
  sub?: string;
  role?: string;
  issuer?: string;
  audience?: string;
  expiresInSeconds?: number;
}

/**
 * An independent token issuer for tests of services that only verify tokens: its JWKS is handed
 * to the service under test, and `sign` mints tokens with any claims.
 */
export async function createTestIssuer(defaults: { issuer: string; audience: string }) {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const kid = `test-${randomUUID().slice(0, 8)}`;
  const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" }] };
  return {
    jwks,
    async sign(options: TestTokenOptions = {}): Promise<string> {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ role: options.role ?? "CUSTOMER" })
        .setProtectedHeader({ alg: "EdDSA", kid })
        .setSubject(options.sub ?? randomUUID())
        .setIssuer(options.issuer ?? defaults.issuer)
        .setAudience(options.audience ?? defaults.audience)
        .setIssuedAt(now)
        .setExpirationTime(now + (options.expiresInSeconds ?? 600))
        .setJti(randomUUID())
        .sign(privateKey);
    },
  };
}

/** An unsigned token (`alg: none`): every verifier must refuse it. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`;
}
