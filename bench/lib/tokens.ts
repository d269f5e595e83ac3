import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";

/** Issuer every Shopgraph verifier expects (the users subgraph's default). */
export const TOKEN_ISSUER = "https://shopgraph.dev/users";
/** Audience every Shopgraph verifier expects. */
export const TOKEN_AUDIENCE = "shopgraph";

/**
 * The bench's signing key. It is handed to the users subgraph as its JWT_PRIVATE_KEYS, so users
 * publishes it in its JWKS and every verifier (gateway, subgraphs) accepts what the bench signs:
 * unique tokens for thousands of requests without thousands of logins.
 */
export async function createBenchSigner() {
  const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const kid = `bench-${randomUUID().slice(0, 8)}`;
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid };
  const key = privateKey;
  const sign = (sub: string, role: "ADMIN" | "CUSTOMER") => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ role })
      .setProtectedHeader({ alg: "EdDSA", kid, typ: "JWT" })
      .setSubject(sub)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .setJti(randomUUID())
      .sign(key);
  };
  return { privateJwks: JSON.stringify([privateJwk]), sign };
}

/** A signer as returned by {@link createBenchSigner}. */
export type BenchSigner = Awaited<ReturnType<typeof createBenchSigner>>;

/**
 * A pool of distinct pre-signed tokens handed out in order. Signing happens before any
 * measurement so it never competes with the gateways for CPU; the pool is sized to outlast a
 * whole run, and `wrapped` says if it ever had to start over.
 */
export async function createTokenPool(
  signer: BenchSigner,
  size: number,
  subjects: readonly { id: string; role: "ADMIN" | "CUSTOMER" }[],
) {
  const tokens: string[] = [];
  for (let i = 0; i < size; i += 500) {
    const batch = Array.from({ length: Math.min(500, size - i) }, (_, k) => {
      const subject = subjects[(i + k) % subjects.length]!;
      return signer.sign(subject.id, subject.role);
    });
    tokens.push(...(await Promise.all(batch)));
  }
  let next = 0;
  let wrapped = 0;
  return {
    size,
    next(): string {
      if (next === tokens.length) {
        next = 0;
        wrapped++;
      }
      return tokens[next++]!;
    },
    get wrapped() {
      return wrapped;
    },
  };
}

/** A pool as returned by {@link createTokenPool}. */
export type TokenPool = Awaited<ReturnType<typeof createTokenPool>>;
