import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedCustomer } from "@shopgraph/fixtures";
import { gql, startTestIdp, type TestIdp } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";

// Issue #14 §1 end to end: a client signs in with a local OpenID provider through the gateway, and
// the session works on every subgraph.
const REDIRECT = "http://127.0.0.1:5173/auth/callback";
const SECRET = "e2e-idp-client-secret-0123456789";

let idp: TestIdp;
let stack: Stack;
beforeAll(async () => {
  idp = await startTestIdp({
    clients: [{ clientId: "shopgraph", clientSecret: SECRET, redirectUris: [REDIRECT] }],
    accounts: [
      { sub: "erin", email: "erin@example.com", email_verified: true, name: "Erin" },
      { sub: "frank", email: "frank@example.com", email_verified: true, name: "Frank" },
    ],
  });
  const providers = [
    { id: "local", name: "Local IdP", issuer: idp.issuer, clientId: "shopgraph", clientSecret: SECRET },
  ];
  stack = await startStack({
    subgraphEnv: {
      OIDC_PROVIDERS: JSON.stringify(providers),
      OIDC_REDIRECT_URIS: REDIRECT,
      LOGIN_THROTTLE_TIMEOUT_MS: "1000",
    },
  });
});
afterAll(async () => {
  await stack?.close();
  await idp?.close();
});

/** Through the gateway, as a browser app would call it (no service credential). */
const client = (query: string, variables: Record<string, unknown> = {}, token?: string) =>
  gql(stack.url, query, { variables, credential: null, ...(token ? { token } : {}) });

const START =
  "mutation($i: StartSocialLoginInput!) { startSocialLogin(input: $i) { authorizationUrl state userErrors { code } } }";
const COMPLETE =
  "mutation($i: CompleteSocialLoginInput!) { completeSocialLogin(input: $i) { session { accessToken user { id email role } } userErrors { code } } }";

async function callback(sub: string, token?: string) {
  const started = (await client(START, { i: { provider: "local", redirectUri: REDIRECT } }, token)).data
    ?.startSocialLogin;
  expect(started.userErrors).toEqual([]);
  const back = await idp.authorize(started.authorizationUrl, sub);
  // The client compares the state the provider echoed with the one it was given.
  expect(back.searchParams.get("state")).toBe(started.state);
  return {
    provider: "local",
    redirectUri: REDIRECT,
    code: back.searchParams.get("code"),
    state: back.searchParams.get("state"),
  };
}

describe("social login through the gateway", () => {
  it("lists the provider, signs a new customer in, and the session works across subgraphs", async () => {
    const providers = await client("{ identityProviders { id name } }");
    expect(providers.data?.identityProviders).toEqual([{ id: "local", name: "Local IdP" }]);

    const done = (await client(COMPLETE, { i: await callback("erin") })).data?.completeSocialLogin;
    expect(done.userErrors).toEqual([]);
    expect(done.session.user).toMatchObject({ email: "erin@example.com", role: "CUSTOMER" });

    // users (identities), orders (User.orders) and notifications answer with the social session's token.
    const me = await client(
      "{ me { id email identities { provider email } orders(first: 1) { totalCount } unreadNotificationCount } }",
      {},
      done.session.accessToken,
    );
    expect(me.errors).toBeUndefined();
    expect(me.data?.me).toEqual({
      id: done.session.user.id,
      email: "erin@example.com",
      identities: [{ provider: "local", email: "erin@example.com" }],
      orders: { totalCount: 0 },
      unreadNotificationCount: expect.any(Number),
    });
  });

  it("answers a replayed completion with INVALID_STATE (a userError, HTTP 200)", async () => {
    const input = await callback("erin");
    expect((await client(COMPLETE, { i: input })).data?.completeSocialLogin.userErrors).toEqual([]);
    const replay = await client(COMPLETE, { i: input });
    expect([replay.status, replay.data?.completeSocialLogin]).toEqual([
      200,
      { session: null, userErrors: [{ code: "INVALID_STATE" }] },
    ]);
  });

  it("links a provider to a password account, signs in with it, and unlinks it", async () => {
    const login = await client("mutation($i: LoginInput!) { login(input: $i) { session { accessToken } } }", {
      i: { email: seedCustomer.email, password: DEMO_PASSWORDS.customer },
    });
    const token = login.data?.login.session.accessToken as string;
    const linked = await client(
      "mutation($i: CompleteSocialLoginInput!) { linkIdentity(input: $i) { user { id identities { provider } } userErrors { code } } }",
      { i: await callback("frank", token) },
      token,
    );
    expect(linked.data?.linkIdentity).toEqual({
      user: { id: seedCustomer.id, identities: [{ provider: "local" }] },
      userErrors: [],
    });
    expect((await client(COMPLETE, { i: await callback("frank") })).data?.completeSocialLogin.session.user.id).toBe(
      seedCustomer.id,
    );
    const unlinked = await client(
      'mutation { unlinkIdentity(provider: "local") { user { identities { provider } } userErrors { code } } }',
      {},
      token,
    );
    expect(unlinked.data?.unlinkIdentity).toEqual({ user: { identities: [] }, userErrors: [] });
  });
});
