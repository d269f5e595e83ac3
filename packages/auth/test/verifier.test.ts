import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet } from "jose";
import { GraphQLError } from "graphql";
import { beforeAll, describe, expect, it } from "vitest";
import { registry } from "@shopgraph/metrics";
import {
  createAccessTokenVerifier,
  createRevocationList,
  viewerFromAuthorization,
  type VerifyAccessToken,
} from "../src/index.ts";

const ISSUER = "https://shopgraph.dev/users";
const AUDIENCE = "shopgraph";
let jwks: JSONWebKeySet;
let privateKeyOf: CryptoKey;
let sign: (claims?: Record<string, unknown>, opts?: { iat?: number; exp?: number; alg?: string }) => Promise<string>;

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "EdDSA", use: "sig" }] };
  privateKeyOf = privateKey;
  sign = async (claims = {}, opts = {}) => {
    const now = Date.now() / 1000;
    return new SignJWT({ role: "CUSTOMER", sid: randomUUID(), ...claims })
      .setProtectedHeader({ alg: "EdDSA", kid: "k1" })
      .setSubject((claims.sub as string | undefined) ?? randomUUID())
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(opts.iat ?? now)
      .setExpirationTime(opts.exp ?? Math.floor(now) + 900)
      .setJti(randomUUID())
      .sign(privateKey);
  };
});

/** The coded error a verification throws (the test fails if it resolves). */
async function refusal(verify: VerifyAccessToken, token: string) {
  const error = await verify(token).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GraphQLError);
  const { extensions, message } = error as GraphQLError;
  return { message, code: extensions.code, reason: extensions.reason, status: extensions.http?.status };
}

describe("createAccessTokenVerifier", () => {
  it("accepts a valid token and returns its viewer with the session id", async () => {
    const sub = randomUUID();
    const sid = randomUUID();
    const viewer = await createAccessTokenVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE })(
      await sign({ sub, sid, role: "ADMIN" }),
    );
    expect(viewer).toMatchObject({ id: sub, role: "ADMIN", sessionId: sid });
  });

  it("refuses an expired token with reason TOKEN_EXPIRED (401 UNAUTHENTICATED), beyond the 30 s tolerance only", async () => {
    const verify = createAccessTokenVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE });
    const now = Math.floor(Date.now() / 1000);
    expect(await refusal(verify, await sign({}, { iat: now - 900, exp: now - 31 }))).toEqual({
      message: "Access token expired",
      code: "UNAUTHENTICATED",
      reason: "TOKEN_EXPIRED",
      status: 401,
    });
    // Within the tolerance: still valid (clock skew between issuer and verifier).
    await expect(verify(await sign({}, { iat: now - 900, exp: now - 20 }))).resolves.toBeTruthy();
  });

  it("refuses a token dated one hour in the future (jose alone does not check iat) with TOKEN_INVALID", async () => {
    const verify = createAccessTokenVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE });
    const now = Math.floor(Date.now() / 1000);
    const future = await sign({}, { iat: now + 3600, exp: now + 3600 + 900 });
    expect(await refusal(verify, future)).toMatchObject({
      code: "UNAUTHENTICATED",
      reason: "TOKEN_INVALID",
      status: 401,
    });
    // 31 s ahead is past the tolerance; 20 s is within it.
    expect((await refusal(verify, await sign({}, { iat: now + 31 }))).reason).toBe("TOKEN_INVALID");
    await expect(verify(await sign({}, { iat: now + 20 }))).resolves.toBeTruthy();
  });

  it("never tolerates more than 30 s of clock skew, whatever it is configured with", async () => {
    const verify = createAccessTokenVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE, clockToleranceSeconds: 3600 });
    const now = Math.floor(Date.now() / 1000);
    expect((await refusal(verify, await sign({}, { iat: now - 900, exp: now - 40 }))).reason).toBe("TOKEN_EXPIRED");
    expect((await refusal(verify, await sign({}, { iat: now + 40 }))).reason).toBe("TOKEN_INVALID");
  });

  it.each([
    ["a wrong role", { role: "ROOT" }],
    ["a non-UUID subject", { sub: "admin" }],
    ["a non-UUID session id", { sid: "1 OR 1=1" }],
    ["a numeric session id", { sid: 42 }],
  ])("refuses %s with TOKEN_INVALID", async (_name, claims) => {
    const verify = createAccessTokenVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE });
    expect(await refusal(verify, await sign(claims))).toMatchObject({
      code: "UNAUTHENTICATED",
      reason: "TOKEN_INVALID",
      status: 401,
    });
  });

  it("refuses a foreign signature, issuer or audience with TOKEN_INVALID", async () => {
    const other = createAccessTokenVerifier({ jwks, issuer: "https://evil.example", audience: AUDIENCE });
    expect((await refusal(other, await sign())).reason).toBe("TOKEN_INVALID");
    const token = await sign();
    const [header, payload] = token.split(".");
    const forged = `${header}.${payload}.${Buffer.from("x".repeat(64)).toString("base64url")}`;
    expect(
      (await refusal(createAccessTokenVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE }), forged)).reason,
    ).toBe("TOKEN_INVALID");
  });

  it("refuses a revoked session and tokens issued before a user's revocation with TOKEN_REVOKED; later tokens pass", async () => {
    const revocations = createRevocationList();
    const verify = createAccessTokenVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE, revocations });
    const sub = randomUUID();
    const sid = randomUUID();
    const sessionToken = await sign({ sub, sid });
    const otherSession = await sign({ sub });
    await revocations.revokeSession(sid);
    const count = async () =>
      Number(
        /reason="TOKEN_REVOKED"} (\d+)/.exec(
          await registry.getSingleMetricAsString("auth_tokens_refused_total"),
        )?.[1] ?? 0,
      );
    const before = await count();
    expect(await refusal(verify, sessionToken)).toEqual({
      message: "Access token revoked",
      code: "UNAUTHENTICATED",
      reason: "TOKEN_REVOKED",
      status: 401,
    });
    await expect(verify(otherSession)).resolves.toMatchObject({ id: sub });
    expect(await count()).toBe(before + 1);

    await revocations.revokeUser(sub);
    expect((await refusal(verify, otherSession)).reason).toBe("TOKEN_REVOKED");
    // A token issued a few milliseconds later, in the same second, is the refreshed one: valid.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await expect(verify(await sign({ sub }))).resolves.toMatchObject({ id: sub });
    // Another user is untouched.
    await expect(verify(await sign())).resolves.toBeTruthy();
  });
});

describe("app tokens from the OAuth authorization server (appIssuer)", () => {
  const APP_ISSUER = "https://shop.example";
  const appToken = (claims: Record<string, unknown>, typ = "at+jwt", iss = APP_ISSUER) =>
    new SignJWT({ role: "CUSTOMER", scope: "read_orders", ...claims })
      .setProtectedHeader({ alg: "EdDSA", kid: "k1", typ })
      .setSubject((claims.sub as string | undefined) ?? randomUUID())
      .setIssuer(iss)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime("5m")
      .setJti(randomUUID())
      .sign(privateKeyOf);

  it("accepts an RFC 9068 token of the app issuer, with its client id and scopes", async () => {
    const verify = createAccessTokenVerifier({ jwks, issuer: ISSUER, appIssuer: APP_ISSUER, audience: AUDIENCE });
    const clientId = randomUUID();
    const viewer = await verify(await appToken({ client_id: clientId }));
    expect(viewer).toMatchObject({ clientId, role: "CUSTOMER" });
    expect([...viewer.scopes]).toEqual(["read_orders"]);
  });

  it("refuses an app-issuer token that is not an access token (ID token typ, or no client_id), and any app token without appIssuer", async () => {
    const verify = createAccessTokenVerifier({ jwks, issuer: ISSUER, appIssuer: APP_ISSUER, audience: AUDIENCE });
    expect((await refusal(verify, await appToken({ client_id: randomUUID() }, "JWT"))).reason).toBe("TOKEN_INVALID");
    expect((await refusal(verify, await appToken({}))).reason).toBe("TOKEN_INVALID");
    const firstPartyOnly = createAccessTokenVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE });
    expect((await refusal(firstPartyOnly, await appToken({ client_id: randomUUID() }))).reason).toBe("TOKEN_INVALID");
  });

  it("refuses every token of a revoked client issued until then; other apps' tokens pass", async () => {
    const revocations = createRevocationList();
    const verify = createAccessTokenVerifier({
      jwks,
      issuer: ISSUER,
      appIssuer: APP_ISSUER,
      audience: AUDIENCE,
      revocations,
    });
    const clientId = randomUUID();
    const userToken = await appToken({ client_id: clientId });
    const machineToken = await appToken({ client_id: clientId, sub: clientId });
    const other = await appToken({ client_id: randomUUID() });
    await revocations.revokeClient(clientId);
    expect((await refusal(verify, userToken)).reason).toBe("TOKEN_REVOKED");
    expect((await refusal(verify, machineToken)).reason).toBe("TOKEN_REVOKED");
    await expect(verify(other)).resolves.toBeTruthy();
  });
});

describe("viewerFromAuthorization", () => {
  it("is anonymous without a header and verifies a Bearer token", async () => {
    const verify = createAccessTokenVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE });
    expect(await viewerFromAuthorization(undefined, verify)).toBeNull();
    expect(await viewerFromAuthorization("", verify)).toBeNull();
    const sub = randomUUID();
    expect(await viewerFromAuthorization(`Bearer ${await sign({ sub })}`, verify)).toMatchObject({ id: sub });
  });

  it.each([["Basic dXNlcjpwYXNz"], ["Bearer"], ["Bearer not-a-jwt"], ["bearer a.b.c d"]])(
    "refuses the malformed header %j with 401 TOKEN_INVALID",
    async (header) => {
      const verify = createAccessTokenVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE });
      const error = await viewerFromAuthorization(header, verify).then(
        () => null,
        (e: unknown) => e as GraphQLError,
      );
      expect(error?.extensions).toMatchObject({
        code: "UNAUTHENTICATED",
        reason: "TOKEN_INVALID",
        http: { status: 401 },
      });
    },
  );
});
