import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedAdmin, seedCustomer } from "@shopgraph/fixtures";
import { createTestIssuer, gql, unsignedToken } from "@shopgraph/testing";
import { startTestUsers } from "./harness.ts";

let users: Awaited<ReturnType<typeof startTestUsers>>;
beforeAll(async () => {
  users = await startTestUsers();
});
afterAll(() => users?.close());

const SESSION =
  "session { accessToken refreshToken accessTokenExpiresAt user { id email role } } userErrors { code field message }";
const login = (email: string, password: string) =>
  gql(users.graphqlUrl, `mutation($i: LoginInput!) { login(input: $i) { ${SESSION} } }`, {
    variables: { i: { email, password } },
  });
const register = (input: Record<string, string>) =>
  gql(users.graphqlUrl, `mutation($i: RegisterInput!) { register(input: $i) { ${SESSION} } }`, {
    variables: { i: input },
  });
const refresh = (refreshToken: string) =>
  gql(users.graphqlUrl, `mutation($t: String!) { refreshSession(refreshToken: $t) { ${SESSION} } }`, {
    variables: { t: refreshToken },
  });
const me = (token?: string, headers?: Record<string, string>) =>
  gql(users.graphqlUrl, "{ me { id email name role } }", {
    ...(token ? { token } : {}),
    ...(headers ? { headers } : {}),
  });

describe("register and login", () => {
  it("registers a customer, returns a working session and records user.registered in the outbox", async () => {
    const res = await register({
      email: "  New.Person@Example.com ",
      password: "correct horse battery",
      name: "New Person",
    });
    expect(res.data?.register.userErrors).toEqual([]);
    const session = res.data?.register.session;
    expect(session.user).toMatchObject({ email: "new.person@example.com", role: "CUSTOMER" });
    expect(new Date(session.accessTokenExpiresAt).getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    expect((await me(session.accessToken)).data?.me).toMatchObject({ id: session.user.id, name: "New Person" });
    const events = await users.db.outboxEvent.findMany({ where: { type: "user.registered" } });
    expect(events.map((e) => (e.payload as { userId: string }).userId)).toContain(session.user.id);
    const stored = await users.db.user.findUniqueOrThrow({ where: { id: session.user.id } });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(stored.passwordHash).not.toContain("correct horse");
  });

  it.each([
    [
      { email: "no-at-sign.example.com", password: "long enough password", name: "X" },
      "INVALID_EMAIL",
      ["input", "email"],
    ],
    [{ email: "short@example.com", password: "abc", name: "X" }, "WEAK_PASSWORD", ["input", "password"]],
    [{ email: "long@example.com", password: "p".repeat(300), name: "X" }, "WEAK_PASSWORD", ["input", "password"]],
    [
      { email: "name@example.com", password: "long enough password", name: "n".repeat(101) },
      "INVALID_NAME",
      ["input", "name"],
    ],
    [
      { email: `${"e".repeat(250)}@example.com`, password: "long enough password", name: "X" },
      "INVALID_EMAIL",
      ["input", "email"],
    ],
  ])("rejects bad input %# with a userError and creates nothing", async (input, code, field) => {
    const before = await users.db.user.count();
    const res = await register(input);
    expect(res.data?.register.session).toBeNull();
    expect(res.data?.register.userErrors).toContainEqual(expect.objectContaining({ code, field }));
    expect(await users.db.user.count()).toBe(before);
  });

  it("refuses a taken email (case-insensitively) with EMAIL_TAKEN", async () => {
    const res = await register({ email: "CUSTOMER@shopgraph.dev", password: "long enough password", name: "Dup" });
    expect(res.data?.register.userErrors).toEqual([
      expect.objectContaining({ code: "EMAIL_TAKEN", field: ["input", "email"] }),
    ]);
  });

  it("logs in the seeded demo accounts and refuses wrong passwords and unknown emails alike", async () => {
    const admin = await login(seedAdmin.email, DEMO_PASSWORDS.admin);
    expect(admin.data?.login.session.user).toMatchObject({ id: seedAdmin.id, role: "ADMIN" });
    for (const [email, password] of [
      [seedCustomer.email, "wrong password!!"],
      ["nobody@example.com", "whatever password"],
    ] as const) {
      const res = await login(email, password);
      expect(res.data?.login).toEqual({
        session: null,
        userErrors: [expect.objectContaining({ code: "INVALID_CREDENTIALS" })],
      });
    }
  });

  it("rejects wrong variable types and unknown fields before running anything", async () => {
    const wrongType = await gql(
      users.graphqlUrl,
      "mutation($i: LoginInput!) { login(input: $i) { userErrors { code } } }",
      { variables: { i: { email: 42 } } },
    );
    expect(wrongType.status).toBe(400);
    expect(wrongType.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const unknown = await gql(users.graphqlUrl, "{ me { id passwordHash } }");
    expect(unknown.status).toBe(400);
    expect(unknown.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe("access tokens", () => {
  it("serves the public JWKS (no private parts)", async () => {
    const jwks = (await (await fetch(`${users.url}/.well-known/jwks.json`)).json()) as {
      keys: Record<string, string>[];
    };
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });

  it("is anonymous without a token, and refuses bad tokens with HTTP 401 UNAUTHENTICATED", async () => {
    expect((await me()).data?.me).toBeNull();
    const foreign = await createTestIssuer({ issuer: users.config.JWT_ISSUER, audience: users.config.JWT_AUDIENCE });
    const valid = (await login(seedAdmin.email, DEMO_PASSWORDS.admin)).data?.login.session.accessToken as string;
    const [header, payload] = valid.split(".");
    const cases = {
      none: unsignedToken({
        sub: seedAdmin.id,
        role: "ADMIN",
        iss: users.config.JWT_ISSUER,
        aud: users.config.JWT_AUDIENCE,
        exp: 9999999999,
        iat: 1,
        jti: "x",
      }),
      otherKey: await foreign.sign({ sub: seedAdmin.id, role: "ADMIN" }),
      tampered: `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, "base64url").toString()), role: "ADMIN", sub: seedCustomer.id })).toString("base64url")}.${valid.split(".")[2]}`,
      garbage: "not.a.jwt",
    };
    for (const [name, token] of Object.entries(cases)) {
      const res = await me(token);
      expect({ name, status: res.status, code: res.errors?.[0]?.extensions?.code }).toEqual({
        name,
        status: 401,
        code: "UNAUTHENTICATED",
      });
      expect(res.data ?? null).toBeNull();
    }
    const malformed = await gql(users.graphqlUrl, "{ me { id } }", { headers: { authorization: "Basic abc" } });
    expect(malformed.status).toBe(401);
  });

  it("grants nothing to forged identity headers", async () => {
    const res = await me(undefined, { "x-user-id": seedAdmin.id, "x-user-role": "ADMIN" });
    expect(res.data?.me).toBeNull();
    // A guessed service credential does not even get in.
    const guessed = await me(undefined, {
      "x-user-id": seedAdmin.id,
      "x-user-role": "ADMIN",
      "x-service-token": "guess",
    });
    expect([guessed.status, guessed.errors?.[0]?.extensions?.code, guessed.data]).toEqual([
      403,
      "FORBIDDEN",
      undefined,
    ]);
    const admin = await gql(users.graphqlUrl, "{ users(first: 1) { totalCount } }", {
      headers: { "x-user-id": seedAdmin.id, "x-user-role": "ADMIN" },
    });
    expect(admin.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("refresh tokens", () => {
  it("rotates, and a reused token revokes the whole family", async () => {
    const first = (await login(seedCustomer.email, DEMO_PASSWORDS.customer)).data?.login.session;
    const second = (await refresh(first.refreshToken)).data?.refreshSession.session;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.user.id).toBe(seedCustomer.id);
    const reuse = await refresh(first.refreshToken);
    expect(reuse.data?.refreshSession).toEqual({
      session: null,
      userErrors: [expect.objectContaining({ code: "INVALID_REFRESH_TOKEN" })],
    });
    // The legitimate holder's newer token died with the family: the thief gains nothing by racing.
    expect((await refresh(second.refreshToken)).data?.refreshSession.userErrors[0].code).toBe("INVALID_REFRESH_TOKEN");
  });

  it("lets exactly one of two concurrent refreshes of the same token win", async () => {
    const session = (await login(seedCustomer.email, DEMO_PASSWORDS.customer)).data?.login.session;
    const results = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)]);
    const winners = results.filter((r) => r.data?.refreshSession.session);
    expect(winners).toHaveLength(1);
    const loser = results.find((r) => !r.data?.refreshSession.session);
    expect(loser?.data?.refreshSession.userErrors).toEqual([
      expect.objectContaining({ code: "INVALID_REFRESH_TOKEN" }),
    ]);
  });

  it("logout revokes the session; unknown tokens are a userError", async () => {
    const session = (await login(seedCustomer.email, DEMO_PASSWORDS.customer)).data?.login.session;
    const out = await gql(
      users.graphqlUrl,
      "mutation($t: String!) { logout(refreshToken: $t) { success userErrors { code } } }",
      { variables: { t: session.refreshToken } },
    );
    expect(out.data?.logout).toEqual({ success: true, userErrors: [] });
    expect((await refresh(session.refreshToken)).data?.refreshSession.userErrors[0].code).toBe("INVALID_REFRESH_TOKEN");
    const again = await gql(
      users.graphqlUrl,
      'mutation { logout(refreshToken: "nope") { success userErrors { code } } }',
    );
    expect(again.data?.logout).toEqual({ success: false, userErrors: [{ code: "INVALID_REFRESH_TOKEN" }] });
  });
});
