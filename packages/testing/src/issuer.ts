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
    /** An app access token from this issuer's key (see {@link signAppToken}); `issuer` defaults to the issuer's. */
    signApp(
      options: Omit<AppTokenOptions, "issuer" | "audience"> & Partial<Pick<AppTokenOptions, "issuer" | "audience">>,
    ): Promise<string> {
      return signAppToken(privateKey, kid, { issuer: defaults.issuer, audience: defaults.audience, ...options });
    },
  };
}

/** Claims of a third-party app's access token (RFC 9068), as Shopgraph's OAuth server issues them. */
export interface AppTokenOptions {
  /** The app's `client_id`. A UUID: for client-credentials tokens it is also the `sub`. */
  clientId: string;
  /** Space-separated granted scopes, e.g. `"read_orders read_customers"`. */
  scope: string;
  /** The user the app acts for; default: the app itself (client credentials, `sub = client_id`). */
  sub?: string;
  /** The user's role; omitted for client-credentials tokens (the verifier caps them at ADMIN). */
  role?: string;
  /** The authorization server (OAUTH_ISSUER). */
  issuer: string;
  audience: string;
  expiresInSeconds?: number;
}

/** The key type jose signs with (a private CryptoKey/KeyObject or a JWK). */
export type SigningKey = Parameters<SignJWT["sign"]>[0];

/** Signs an app access token (`typ: at+jwt`, `client_id`, `scope`) with the given key, as oidc-provider would. */
export async function signAppToken(key: SigningKey, kid: string, options: AppTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    client_id: options.clientId,
    scope: options.scope,
    ...(options.role ? { role: options.role } : {}),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "EdDSA", kid, typ: "at+jwt" })
    .setSubject(options.sub ?? options.clientId)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? 600))
    .setJti(randomUUID())
    .sign(key);
}

/** An unsigned token (`alg: none`): every verifier must refuse it. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`;
}
