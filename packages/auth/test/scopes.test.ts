import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type JSONWebKeySet } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createAccessTokenVerifier,
  effectiveScopes,
  parseScopeClaim,
  SCOPES,
  scopesForRole,
  type VerifyAccessToken,
} from "../src/index.ts";

const ISSUER = "https://shopgraph.dev/users";
const AUDIENCE = "shopgraph";
let jwks: JSONWebKeySet;
let sign: (claims: Record<string, unknown>) => Promise<string>;
let verify: VerifyAccessToken;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "EdDSA", use: "sig" }] };
  sign = async (claims) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: "EdDSA", kid: "k1" })
      .setSubject((claims.sub as string | undefined) ?? randomUUID())
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 900)
      .setJti(randomUUID())
      .sign(privateKey);
  };
  verify = createAccessTokenVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE });
});

const sorted = (set: ReadonlySet<string>) => [...set].sort();

describe("scopes per role", () => {
  it("gives ADMIN every scope and CUSTOMER all but write_products", () => {
    expect(sorted(scopesForRole("ADMIN"))).toEqual([...SCOPES].sort());
    expect(sorted(scopesForRole("CUSTOMER"))).toEqual([
      "read_customers",
      "read_notifications",
      "read_orders",
      "read_products",
      "write_customers",
      "write_orders",
    ]);
  });

  it("parses a scope claim, ignoring names outside the API (openid, offline_access), and refuses a non-string", () => {
    expect(sorted(parseScopeClaim("openid read_orders  offline_access read_products")!)).toEqual([
      "read_orders",
      "read_products",
    ]);
    expect(parseScopeClaim(["read_orders"])).toBeNull();
    expect(sorted(effectiveScopes("CUSTOMER", new Set(["write_products", "read_orders"])))).toEqual(["read_orders"]);
  });
});

describe("verified viewer scopes", () => {
  it("a first-party session without a scope claim holds its role's scopes, and no clientId", async () => {
    const viewer = await verify(await sign({ role: "CUSTOMER", sid: randomUUID() }));
    expect(sorted(viewer.scopes)).toEqual(sorted(scopesForRole("CUSTOMER")));
    expect(viewer.clientId).toBeUndefined();
    expect(viewer.isMachine).toBeUndefined();
  });

  it("an app token for a user holds its scopes intersected with the user's role", async () => {
    const clientId = randomUUID();
    const viewer = await verify(
      await sign({ role: "CUSTOMER", client_id: clientId, scope: "openid read_orders write_products" }),
    );
    expect(sorted(viewer.scopes)).toEqual(["read_orders"]);
    expect(viewer).toMatchObject({ role: "CUSTOMER", clientId });
  });

  it("an app token without a scope claim holds no scope", async () => {
    const viewer = await verify(await sign({ role: "ADMIN", client_id: randomUUID() }));
    expect(viewer.scopes.size).toBe(0);
  });

  it("a client-credentials token (sub = client_id) acts as the app itself, capped at ADMIN's scopes", async () => {
    const clientId = randomUUID();
    const viewer = await verify(await sign({ sub: clientId, client_id: clientId, scope: "read_orders" }));
    expect(viewer).toMatchObject({ id: clientId, role: "ADMIN", clientId, isMachine: true });
    expect(sorted(viewer.scopes)).toEqual(["read_orders"]);
  });

  it.each([
    ["a non-string scope claim", { role: "CUSTOMER", scope: ["read_orders"] }],
    ["a numeric client_id", { role: "CUSTOMER", client_id: 7 }],
    ["an app token for a user without a role", { client_id: randomUUID(), scope: "read_orders" }],
  ])("refuses %s with TOKEN_INVALID", async (_name, claims) => {
    await expect(verify(await sign(claims))).rejects.toMatchObject({
      extensions: { code: "UNAUTHENTICATED", reason: "TOKEN_INVALID" },
    });
  });
});
