import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_IP_HEADER } from "@shopgraph/auth";
import { DEMO_PASSWORDS, seedAdmin, seedCustomer } from "@shopgraph/fixtures";
import {
  gql,
  provisionRedis,
  startTestIdp,
  startUnresponsiveServer,
  type TestIdp,
  type TestRedis,
} from "@shopgraph/testing";
import { randomUUID } from "node:crypto";
import { importJWK, SignJWT, type JWK } from "jose";
import { generateSigningJwk } from "../src/domain/signing-keys.ts";
import { startTestUsers } from "./harness.ts";

// Issue #14 §1: social login through any OpenID provider, against a real oidc-provider on port 0.
const REDIRECT = "http://127.0.0.1:5173/auth/callback";
const SECRET = "test-idp-client-secret-0123456789";
// Generous for a loaded test machine: the tampering IdP re-signs tokens inside its token endpoint.
const TIMEOUT_MS = 1_500;

let idp: TestIdp;
/** A second provider: a second identity for one account, then closed to prove a provider lost mid-flow. */
let idp2: TestIdp;
let down: Awaited<ReturnType<typeof startUnresponsiveServer>>;
let redis: TestRedis;
let users: Awaited<ReturnType<typeof startTestUsers>>;
/** The users signing key (known to the test so it can mint an OAuth app's access token). */
let signingJwk: JWK;

beforeAll(async () => {
  idp = await startTestIdp({
    clients: [{ clientId: "shopgraph", clientSecret: SECRET, redirectUris: [REDIRECT] }],
    accounts: [
      { sub: "alice", email: "Alice@Example.com", email_verified: true, name: "Alice Social" },
      { sub: "unverified", email: "unverified@example.com", email_verified: false, name: "Unverified" },
      // Someone at the provider claims the seeded customer's address (verified there): no takeover.
      { sub: "squatter", email: seedCustomer.email, email_verified: true, name: "Squatter" },
      { sub: "carol", email: "carol@example.com", email_verified: true, name: "Carol" },
      { sub: "dave", email: "dave@example.com", email_verified: true, name: "Dave" },
      { sub: "longmail", email: `${"x".repeat(250)}@example.com`, email_verified: true, name: "Long" },
    ],
  });
  idp2 = await startTestIdp({
    clients: [{ clientId: "shopgraph", clientSecret: SECRET, redirectUris: [REDIRECT] }],
    accounts: [{ sub: "alice-elsewhere", email: "alice@example.com", email_verified: true, name: "Alice" }],
  });
  down = await startUnresponsiveServer();
  redis = await provisionRedis();
  const NAMES: Record<string, string> = { testidp: "Test IdP", second: "Second IdP", down: "Down" };
  const provider = (id: string, issuer: string) => ({
    id,
    name: NAMES[id],
    issuer,
    clientId: "shopgraph",
    clientSecret: SECRET,
  });
  signingJwk = await generateSigningJwk();
  users = await startTestUsers({
    JWT_PRIVATE_KEYS: JSON.stringify([signingJwk]),
    OIDC_PROVIDERS: JSON.stringify([
      provider("testidp", idp.issuer),
      provider("second", idp2.issuer),
      provider("down", down.url),
    ]),
    OIDC_REDIRECT_URIS: `${REDIRECT},http://127.0.0.1:5173/other`,
    OIDC_HTTP_TIMEOUT_MS: String(TIMEOUT_MS),
    // The flow store's Redis deadline (as REDIS_COMMAND_TIMEOUT_MS in the e2e stack): a stall is not an outage here.
    LOGIN_THROTTLE_TIMEOUT_MS: "1000",
    ...(redis.url ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix } : {}),
  });
});
afterAll(async () => {
  await users?.close();
  await idp?.close();
  await idp2?.close();
  await down?.close();
  await redis?.cleanup();
});

const SESSION = "session { accessToken refreshToken user { id email role } } userErrors { code field message }";

async function start(provider = "testidp", options: { token?: string; redirectUri?: string } = {}) {
  const res = await gql(
    users.graphqlUrl,
    "mutation($i: StartSocialLoginInput!) { startSocialLogin(input: $i) { authorizationUrl state userErrors { code field message } } }",
    {
      variables: { i: { provider, redirectUri: options.redirectUri ?? REDIRECT } },
      ...(options.token ? { token: options.token } : {}),
    },
  );
  return res.data?.startSocialLogin as {
    authorizationUrl: string | null;
    state: string | null;
    userErrors: { code: string; field?: string[] }[];
  };
}

/** The browser's round trip at the provider: the code and state it brings back. */
async function browse(authorizationUrl: string, sub: string, at: TestIdp = idp) {
  const back = await at.authorize(authorizationUrl, sub);
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
  return { code: back.searchParams.get("code") ?? "", state: back.searchParams.get("state") ?? "" };
}

const complete = async (input: { code: string; state: string; provider?: string; redirectUri?: string }) =>
  (
    await gql(
      users.graphqlUrl,
      `mutation($i: CompleteSocialLoginInput!) { completeSocialLogin(input: $i) { ${SESSION} } }`,
      {
        variables: { i: { provider: "testidp", redirectUri: REDIRECT, ...input } },
      },
    )
  ).data?.completeSocialLogin;

const link = async (token: string, input: { code: string; state: string; provider?: string }) =>
  gql(
    users.graphqlUrl,
    "mutation($i: CompleteSocialLoginInput!) { linkIdentity(input: $i) { user { id } userErrors { code field } } }",
    {
      variables: { i: { provider: "testidp", redirectUri: REDIRECT, ...input } },
      token,
    },
  );

const unlink = async (token: string, provider = "testidp") =>
  (
    await gql(
      users.graphqlUrl,
      "mutation($p: String!) { unlinkIdentity(provider: $p) { user { id } userErrors { code field } } }",
      { variables: { p: provider }, token },
    )
  ).data?.unlinkIdentity;

const identitiesOf = async (token: string) =>
  (await gql(users.graphqlUrl, "{ me { identities { provider email linkedAt } } }", { token })).data?.me?.identities;

async function socialLogin(sub: string) {
  const flow = await start();
  return complete(await browse(flow.authorizationUrl!, sub));
}

const passwordLogin = async (email: string, password: string) =>
  (
    await gql(users.graphqlUrl, `mutation($i: LoginInput!) { login(input: $i) { ${SESSION} } }`, {
      variables: { i: { email, password } },
    })
  ).data?.login;

/** An RFC 9068 access token of an OAuth app acting for `userId` (as the authorization server issues them). */
async function appToken(userId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: "CUSTOMER", client_id: "third-party-app", scope: "read_customers write_customers" })
    .setProtectedHeader({ alg: "EdDSA", kid: signingJwk.kid!, typ: "at+jwt" })
    .setIssuer(users.config.OAUTH_ISSUER)
    .setAudience(users.config.JWT_AUDIENCE)
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .setJti(randomUUID())
    .sign(await importJWK(signingJwk, "EdDSA"));
}

const codeOf = (payload: { userErrors: { code: string }[] } | undefined) => payload?.userErrors[0]?.code;

describe("providers and starting a flow", () => {
  it("lists the configured providers for the login screen", async () => {
    const res = await gql(users.graphqlUrl, "{ identityProviders { id name } }");
    expect(res.data?.identityProviders).toEqual([
      { id: "testidp", name: "Test IdP" },
      { id: "second", name: "Second IdP" },
      { id: "down", name: "Down" },
    ]);
  });

  it("returns the provider's authorization URL with PKCE S256, state and nonce; the verifier never leaves the server", async () => {
    const flow = await start();
    expect(flow.userErrors).toEqual([]);
    const url = new URL(flow.authorizationUrl!);
    expect(url.origin).toBe(idp.issuer);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: "code",
      client_id: "shopgraph",
      redirect_uri: REDIRECT,
      code_challenge_method: "S256",
      state: flow.state,
      scope: "openid email profile",
    });
    expect(url.searchParams.get("nonce")).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.has("code_verifier")).toBe(false);
  });

  it("refuses a redirect URI off the allow-list and an unknown provider", async () => {
    expect((await start("testidp", { redirectUri: "https://evil.example/callback" })).userErrors).toEqual([
      expect.objectContaining({ code: "INVALID_REDIRECT_URI", field: ["input", "redirectUri"] }),
    ]);
    const unknown = await start("nope");
    expect([unknown.authorizationUrl, unknown.userErrors[0]]).toEqual([
      null,
      expect.objectContaining({ code: "UNKNOWN_PROVIDER", field: ["input", "provider"] }),
    ]);
  });

  it("starts one flow per operation: aliased startSocialLogin calls are refused before any runs (400 credentialFields)", async () => {
    const before = await users.db.user.count();
    const one = `startSocialLogin(input: { provider: "testidp", redirectUri: "${REDIRECT}" }) { state }`;
    const res = await gql(users.graphqlUrl, `mutation { a: ${one} b: ${one} }`);
    expect([res.status, res.errors?.[0]?.extensions?.code, res.errors?.[0]?.extensions?.limit]).toEqual([
      400,
      "GRAPHQL_VALIDATION_FAILED",
      "credentialFields",
    ]);
    expect(res.data).toBeUndefined();
    expect(await users.db.user.count()).toBe(before);
  });

  it("answers PROVIDER_UNAVAILABLE within the HTTP timeout when the provider does not answer", async () => {
    const began = performance.now();
    const flow = await start("down");
    const elapsed = performance.now() - began;
    expect(flow).toEqual({
      authorizationUrl: null,
      state: null,
      userErrors: [expect.objectContaining({ code: "PROVIDER_UNAVAILABLE" })],
    });
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1_500);
  });
});

describe("completing a social login", () => {
  it("creates a CUSTOMER account without a password on the first login, and signs the same account in next time", async () => {
    const first = await socialLogin("alice");
    expect(first.userErrors).toEqual([]);
    expect(first.session.user).toMatchObject({ email: "alice@example.com", role: "CUSTOMER" });
    const stored = await users.db.user.findUniqueOrThrow({ where: { id: first.session.user.id } });
    expect([stored.name, stored.passwordHash]).toEqual(["Alice Social", null]);
    expect(await identitiesOf(first.session.accessToken)).toEqual([
      { provider: "testidp", email: "alice@example.com", linkedAt: expect.any(String) },
    ]);
    const events = await users.db.outboxEvent.findMany({ where: { type: "user.registered" } });
    expect(events.map((e) => (e.payload as { userId: string }).userId)).toContain(stored.id);
    // The session is an ordinary one: it refreshes like a password login's.
    const refreshed = await gql(
      users.graphqlUrl,
      "mutation($t: String!) { refreshSession(refreshToken: $t) { session { user { id } } } }",
      { variables: { t: first.session.refreshToken } },
    );
    expect(refreshed.data?.refreshSession.session.user.id).toBe(stored.id);

    const again = await socialLogin("alice");
    expect(again.session.user.id).toBe(stored.id);
    expect(await users.db.user.count({ where: { email: "alice@example.com" } })).toBe(1);
  });

  it("refuses password login to a social-only account like a wrong password: same code, same argon2 work", async () => {
    const res = await passwordLogin("alice@example.com", "any password at all");
    expect(res).toEqual({ session: null, userErrors: [expect.objectContaining({ code: "INVALID_CREDENTIALS" })] });
    // Timed against a wrong password for a password account, alternating, each from its own address
    // (no throttle delay). A shortcut for the missing hash would answer in ~1 ms instead of one argon2 (~50 ms).
    const timed = async (email: string, i: number) => {
      const began = performance.now();
      const mutation = "mutation($i: LoginInput!) { login(input: $i) { userErrors { code } } }";
      const answer = await gql(users.graphqlUrl, mutation, {
        variables: { i: { email, password: "wrong password!!" } },
        headers: { [CLIENT_IP_HEADER]: `198.51.100.${i}` },
      });
      expect(answer.data?.login.userErrors[0].code).toBe("INVALID_CREDENTIALS");
      return performance.now() - began;
    };
    const socialOnly: number[] = [];
    const wrongPassword: number[] = [];
    for (let i = 0; i < 5; i++) {
      socialOnly.push(await timed("alice@example.com", 2 * i + 1));
      wrongPassword.push(await timed(seedCustomer.email, 2 * i + 2));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2]!;
    expect(median(socialOnly)).toBeGreaterThan(median(wrongPassword) * 0.5);
  });

  it("refuses changePassword on a social-only account (there is no current password to prove)", async () => {
    const alice = (await socialLogin("alice")).session;
    const res = await gql(
      users.graphqlUrl,
      "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { success userErrors { code field } } }",
      {
        variables: { i: { currentPassword: "", newPassword: "a brand new long passphrase" } },
        token: alice.accessToken,
        headers: { [CLIENT_IP_HEADER]: "198.51.100.99" },
      },
    );
    expect(res.data?.changePassword).toEqual({
      success: false,
      userErrors: [{ code: "INVALID_CREDENTIALS", field: ["input", "currentPassword"] }],
    });
    expect((await users.db.user.findUniqueOrThrow({ where: { id: alice.user.id } })).passwordHash).toBeNull();
  });

  it("refuses an unknown state, and a state started for another provider or redirect URI (INVALID_STATE)", async () => {
    const flow = await start();
    const { code, state } = await browse(flow.authorizationUrl!, "alice");
    expect(codeOf(await complete({ code, state: "forged-state" }))).toBe("INVALID_STATE");
    expect(codeOf(await complete({ code, state, redirectUri: "http://127.0.0.1:5173/other" }))).toBe("INVALID_STATE");
    // The mismatch spent the flow: the genuine completion cannot follow it.
    expect(codeOf(await complete({ code, state }))).toBe("INVALID_STATE");
    const other = await start();
    expect(codeOf(await complete({ code: "x", state: other.state!, provider: "down" }))).toBe("INVALID_STATE");
  });

  it("redeems a flow once: a replayed code and state is INVALID_STATE, the code under a fresh state PROVIDER_ERROR", async () => {
    const flow = await start();
    const callback = await browse(flow.authorizationUrl!, "alice");
    expect((await complete(callback)).userErrors).toEqual([]);
    expect(codeOf(await complete(callback))).toBe("INVALID_STATE");
    const fresh = await start();
    expect(codeOf(await complete({ code: callback.code, state: fresh.state! }))).toBe("PROVIDER_ERROR");
  });

  it("refuses an ID token whose nonce is not the flow's", async () => {
    const flow = await start();
    const url = new URL(flow.authorizationUrl!);
    url.searchParams.set("nonce", "attacker-chosen-nonce-value");
    expect(codeOf(await complete(await browse(url.href, "alice")))).toBe("INVALID_ID_TOKEN");
  });

  it.each([
    ["for another audience", { claims: (c: Record<string, unknown>) => ({ ...c, aud: "someone-else" }) }],
    [
      "that expired",
      {
        claims: (c: Record<string, unknown>) => ({
          ...c,
          iat: Math.floor(Date.now() / 1000) - 7200,
          exp: Math.floor(Date.now() / 1000) - 3600,
        }),
      },
    ],
    ["from another issuer", { claims: (c: Record<string, unknown>) => ({ ...c, iss: "https://issuer.example" }) }],
    ["signed by a key not in the provider's JWKS", { foreignKey: true }],
  ])("refuses an ID token %s (INVALID_ID_TOKEN), and signs no one in", async (_name, tampering) => {
    const before = await users.db.user.count();
    const flow = await start();
    const callback = await browse(flow.authorizationUrl!, "dave");
    idp.tamperIdTokens(tampering);
    try {
      expect(await complete(callback)).toEqual({
        session: null,
        userErrors: [expect.objectContaining({ code: "INVALID_ID_TOKEN" })],
      });
    } finally {
      idp.tamperIdTokens();
    }
    expect(await users.db.user.count()).toBe(before);
  });

  it("creates no account from an unverified email (EMAIL_NOT_VERIFIED)", async () => {
    expect(codeOf(await socialLogin("unverified"))).toBe("EMAIL_NOT_VERIFIED");
    expect(await users.db.user.count({ where: { email: "unverified@example.com" } })).toBe(0);
  });

  it("creates no account from a verified email Shopgraph cannot store (INVALID_EMAIL)", async () => {
    const before = await users.db.user.count();
    expect(codeOf(await socialLogin("longmail"))).toBe("INVALID_EMAIL");
    expect(await users.db.user.count()).toBe(before);
  });

  it("never takes over an existing account whose email matches (EMAIL_TAKEN); the owner links instead", async () => {
    const res = await socialLogin("squatter");
    expect(res).toEqual({ session: null, userErrors: [expect.objectContaining({ code: "EMAIL_TAKEN" })] });
    expect(await users.db.linkedIdentity.count({ where: { userId: seedCustomer.id } })).toBe(0);
  });
});

describe("linking and unlinking", () => {
  it("links an identity to the signed-in user, who then signs in with it; refuses links by anyone else", async () => {
    const customer = (await passwordLogin(seedCustomer.email, DEMO_PASSWORDS.customer)).session;
    const flow = await start("testidp", { token: customer.accessToken });
    const callback = await browse(flow.authorizationUrl!, "carol");
    // Anonymous: refused before anything is redeemed.
    const anonymous = await gql(
      users.graphqlUrl,
      "mutation($i: CompleteSocialLoginInput!) { linkIdentity(input: $i) { user { id } } }",
      { variables: { i: { provider: "testidp", redirectUri: REDIRECT, ...callback } } },
    );
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const linked = await link(customer.accessToken, callback);
    expect(linked.data?.linkIdentity).toEqual({ user: { id: seedCustomer.id }, userErrors: [] });
    expect(await identitiesOf(customer.accessToken)).toEqual([
      { provider: "testidp", email: "carol@example.com", linkedAt: expect.any(String) },
    ]);
    expect((await socialLogin("carol")).session.user.id).toBe(seedCustomer.id);
  });

  it("links only flows the same user started signed in (a flow started anonymously or by another user is INVALID_STATE)", async () => {
    const admin = (await passwordLogin(seedAdmin.email, DEMO_PASSWORDS.admin)).session;
    const customer = (await passwordLogin(seedCustomer.email, DEMO_PASSWORDS.customer)).session;
    const anonymousFlow = await start();
    expect(
      (await link(admin.accessToken, await browse(anonymousFlow.authorizationUrl!, "dave"))).data?.linkIdentity
        .userErrors[0].code,
    ).toBe("INVALID_STATE");
    const customersFlow = await start("testidp", { token: customer.accessToken });
    expect(
      (await link(admin.accessToken, await browse(customersFlow.authorizationUrl!, "dave"))).data?.linkIdentity
        .userErrors[0].code,
    ).toBe("INVALID_STATE");
  });

  it("refuses an identity linked to another account (IDENTITY_IN_USE) and a second one of the same provider (ALREADY_LINKED)", async () => {
    const admin = (await passwordLogin(seedAdmin.email, DEMO_PASSWORDS.admin)).session;
    const flow = await start("testidp", { token: admin.accessToken });
    const taken = await link(admin.accessToken, await browse(flow.authorizationUrl!, "alice"));
    expect(taken.data?.linkIdentity.userErrors[0].code).toBe("IDENTITY_IN_USE");
    const customer = (await passwordLogin(seedCustomer.email, DEMO_PASSWORDS.customer)).session;
    const second = await start("testidp", { token: customer.accessToken });
    const again = await link(customer.accessToken, await browse(second.authorizationUrl!, "dave"));
    expect(again.data?.linkIdentity.userErrors[0]).toEqual({ code: "ALREADY_LINKED", field: ["input", "provider"] });
  });

  it("shows identities to the user themself only, not even to an ADMIN", async () => {
    const admin = (await passwordLogin(seedAdmin.email, DEMO_PASSWORDS.admin)).session;
    const res = await gql(users.graphqlUrl, "query($id: ID!) { user(id: $id) { id identities { provider } } }", {
      variables: { id: seedCustomer.id },
      token: admin.accessToken,
    });
    expect(res.errors?.[0]).toMatchObject({ path: ["user", "identities"], extensions: { code: "FORBIDDEN" } });
  });

  it("refuses to unlink the last way to sign in (LAST_SIGN_IN_METHOD), unlinks when a password remains, NOT_LINKED otherwise", async () => {
    const alice = (await socialLogin("alice")).session;
    expect(codeOf(await unlink(alice.accessToken))).toBe("LAST_SIGN_IN_METHOD");
    expect(await identitiesOf(alice.accessToken)).toHaveLength(1);
    const customer = (await passwordLogin(seedCustomer.email, DEMO_PASSWORDS.customer)).session;
    expect(await unlink(customer.accessToken)).toEqual({ user: { id: seedCustomer.id }, userErrors: [] });
    expect(await identitiesOf(customer.accessToken)).toEqual([]);
    expect(await unlink(customer.accessToken)).toEqual({
      user: null,
      userErrors: [{ code: "NOT_LINKED", field: ["provider"] }],
    });
    // Carol's identity is free again: it now creates its own account (carol@example.com is unused).
    expect((await socialLogin("carol")).session.user).toMatchObject({ email: "carol@example.com", role: "CUSTOMER" });
  });
});

describe("a second provider", () => {
  it("lets a social-only account with two identities unlink one, never both", async () => {
    const alice = (await socialLogin("alice")).session;
    const flow = await start("second", { token: alice.accessToken });
    const linked = await link(alice.accessToken, {
      ...(await browse(flow.authorizationUrl!, "alice-elsewhere", idp2)),
      provider: "second",
    });
    expect(linked.data?.linkIdentity).toEqual({ user: { id: alice.user.id }, userErrors: [] });
    expect((await identitiesOf(alice.accessToken)).map((i: { provider: string }) => i.provider)).toEqual([
      "testidp",
      "second",
    ]);
    expect(await unlink(alice.accessToken, "testidp")).toEqual({ user: { id: alice.user.id }, userErrors: [] });
    expect(codeOf(await unlink(alice.accessToken, "second"))).toBe("LAST_SIGN_IN_METHOD");
    const viaSecond = await start("second");
    const session = await complete({
      ...(await browse(viaSecond.authorizationUrl!, "alice-elsewhere", idp2)),
      provider: "second",
    });
    expect(session.session.user.id).toBe(alice.user.id);
  });

  it("answers PROVIDER_UNAVAILABLE when the provider goes away between start and completion", async () => {
    const flow = await start("second");
    const callback = await browse(flow.authorizationUrl!, "alice-elsewhere", idp2);
    await idp2.close();
    const began = performance.now();
    expect(codeOf(await complete({ ...callback, provider: "second" }))).toBe("PROVIDER_UNAVAILABLE");
    expect(performance.now() - began).toBeLessThan(TIMEOUT_MS + 1_500);
  });
});

describe("OAuth apps acting for a user", () => {
  it("cannot link or unlink sign-in methods, and flows they start cannot be linked", async () => {
    const token = await appToken(seedCustomer.id);
    expect((await gql(users.graphqlUrl, "{ me { id } }", { token })).data?.me).toEqual({ id: seedCustomer.id });
    const unlinked = await gql(
      users.graphqlUrl,
      'mutation { unlinkIdentity(provider: "testidp") { userErrors { code } } }',
      { token },
    );
    expect(unlinked.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const appFlow = await start("testidp", { token });
    const callback = await browse(appFlow.authorizationUrl!, "dave");
    expect((await link(token, callback)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    // Nor does the user's own session pick up a flow the app started.
    const customer = (await passwordLogin(seedCustomer.email, DEMO_PASSWORDS.customer)).session;
    const appFlow2 = await start("testidp", { token });
    expect(
      (await link(customer.accessToken, await browse(appFlow2.authorizationUrl!, "dave"))).data?.linkIdentity
        .userErrors[0].code,
    ).toBe("INVALID_STATE");
    expect(await users.db.linkedIdentity.count({ where: { userId: seedCustomer.id } })).toBe(0);
  });
});
