import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { ADMIN_EMAIL, CUSTOMER_EMAIL, DEMO_PASSWORDS, seedCustomer, seedUsers } from "@shopgraph/fixtures";
import { freePort, gql } from "@shopgraph/testing";
import { authorize, CookieJar, csrfOf, pkce, step, tokenRequest } from "./oauth-client.ts";
import { startStack, type Stack } from "./stack.ts";

// Issue #14 §2 through the gateway: Shopgraph as an OAuth 2.0 authorization server for apps.
let stack: Stack;
let origin: string;
let adminToken: string;

const LOGIN = "mutation($i: LoginInput!) { login(input: $i) { session { accessToken } userErrors { code } } }";
const APP = "app { id clientId name type scopes redirectUris machineToMachine }";
const REGISTER = `mutation($i: RegisterAppInput!) { registerApp(input: $i) { ${APP} clientSecret userErrors { code field } } }`;
const REDIRECT = "https://app.example/callback";
const ORDERS = "{ orders(first: 1) { totalCount } }";

type Registered = {
  app: { id: string; clientId: string } | null;
  clientSecret: string | null;
  userErrors: { code: string; field: string[] }[];
};

async function signIn(email: string, password: string): Promise<string> {
  const res = await gql(stack.url, LOGIN, { variables: { i: { email, password } }, credential: null });
  return res.data!.login.session.accessToken as string;
}

async function registerApp(input: Record<string, unknown>, token = adminToken): Promise<Registered> {
  const res = await gql(stack.url, REGISTER, { variables: { i: input }, token, credential: null });
  expect(res.errors).toBeUndefined();
  return res.data!.registerApp as Registered;
}

/** A customer's tokens for an app through sign-in, consent and the code exchange. */
async function codeFlow(
  clientId: string,
  scope: string,
  options: { email?: string; password?: string; consent?: string[]; secret?: string } = {},
) {
  const { verifier, challenge } = pkce();
  const { redirect, consentHtml } = await authorize({
    origin,
    clientId,
    redirectUri: REDIRECT,
    scope,
    email: options.email ?? CUSTOMER_EMAIL,
    password: options.password ?? DEMO_PASSWORDS.customer,
    challenge,
    ...(options.consent ? { consent: options.consent } : {}),
  });
  const code = redirect.searchParams.get("code");
  if (!code) throw new Error(`no code: ${redirect.href}`);
  const form = {
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
    ...(options.secret ? {} : { client_id: clientId }),
  };
  const token = await tokenRequest(origin, form, options.secret ? { id: clientId, secret: options.secret } : undefined);
  expect(token.status, JSON.stringify(token.body)).toBe(200);
  return { ...token.body, consentHtml } as Record<string, string> & { consentHtml: string };
}

/** Milliseconds until a token is refused on /graphql (401), failing after `limitMs`. */
async function msUntilRefused(token: string, limitMs = 5_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const res = await gql(stack.url, "{ me { id } }", { token, credential: null });
    if (res.status === 401 && res.errors?.[0]?.extensions?.code === "UNAUTHENTICATED") return Date.now() - started;
    if (Date.now() - started > limitMs) throw new Error(`token still accepted after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const works = async (token: string) =>
  (await gql(stack.url, "{ me { id } }", { token, credential: null })).status === 200;

beforeAll(async () => {
  // The issuer is the gateway's public origin, known before it listens: both sides are told the same.
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  stack = await startStack({
    gatewayEnv: { PORT: String(port), OAUTH_ISSUER: origin },
    subgraphEnv: { OAUTH_ISSUER: origin },
  });
  adminToken = await signIn(ADMIN_EMAIL, DEMO_PASSWORDS.admin);
});
afterAll(() => stack?.close());

describe("discovery through the gateway", () => {
  it("publishes the issuer, the /oauth endpoints, S256 and the same keys as the verifiers' JWKS", async () => {
    const meta = (await (await fetch(`${origin}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      issuer: origin,
      authorization_endpoint: `${origin}/oauth/auth`,
      token_endpoint: `${origin}/oauth/token`,
      introspection_endpoint: `${origin}/oauth/token/introspection`,
      revocation_endpoint: `${origin}/oauth/token/revocation`,
      jwks_uri: `${origin}/oauth/jwks`,
      code_challenge_methods_supported: ["S256"],
    });
    expect(meta.grant_types_supported).toEqual(
      expect.arrayContaining(["authorization_code", "refresh_token", "client_credentials"]),
    );
    const published = (await (await fetch(`${origin}/oauth/jwks`)).json()) as { keys: { kid: string; x: string }[] };
    const verifiers = (await (await fetch(`${stack.users.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string; x: string }[];
    };
    expect(published.keys.map((k) => [k.kid, k.x])).toEqual(verifiers.keys.map((k) => [k.kid, k.x]));
  });
});

describe("authorization code + PKCE through the gateway", () => {
  it("a public app gets a JWT access token for the customer that works on /graphql with its scopes", async () => {
    const { app, clientSecret } = await registerApp({
      name: "Shipping Helper",
      type: "PUBLIC",
      redirectUris: [REDIRECT],
      scopes: ["read_orders", "read_customers"],
    });
    expect(clientSecret).toBeNull();
    const token = await codeFlow(app!.clientId, "read_orders read_customers offline_access");
    expect(token.consentHtml).toContain("Shipping Helper");
    expect(token.refresh_token).toBeTruthy();
    const claims = decodeJwt(token.access_token!);
    expect(decodeProtectedHeader(token.access_token!)).toMatchObject({ typ: "at+jwt", alg: "EdDSA" });
    expect(claims).toMatchObject({
      iss: origin,
      aud: "shopgraph",
      sub: seedCustomer.id,
      client_id: app!.clientId,
      role: "CUSTOMER",
      scope: "read_orders read_customers",
    });
    expect(claims.sid).toMatch(/^[0-9a-f-]{36}$/);
    const me = await gql(stack.url, `{ me { id email } ${ORDERS.slice(1, -1)} }`, {
      token: token.access_token!,
      credential: null,
    });
    expect(me.errors).toBeUndefined();
    expect(me.data!.me).toEqual({ id: seedCustomer.id, email: CUSTOMER_EMAIL });
    // Without write_orders the token cannot place an order, whatever the customer may do.
    const place = await gql(
      stack.url,
      `mutation { cancelOrder(id: "00000000-0000-4000-8000-000000000000") { userErrors { code } } }`,
      { token: token.access_token!, credential: null },
    );
    expect(place.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("requires PKCE of a public client, and the verifier that matches the challenge", async () => {
    const { app } = await registerApp({
      name: "No PKCE",
      type: "PUBLIC",
      redirectUris: [REDIRECT],
      scopes: ["read_orders"],
    });
    const { redirect } = await authorize({
      origin,
      clientId: app!.clientId,
      redirectUri: REDIRECT,
      scope: "read_orders",
      email: CUSTOMER_EMAIL,
      password: DEMO_PASSWORDS.customer,
      challenge: null,
    });
    expect(redirect.searchParams.get("error")).toBe("invalid_request");
    expect(redirect.searchParams.get("error_description")).toMatch(/PKCE/);
    expect(redirect.searchParams.get("code")).toBeNull();
    const { challenge } = pkce();
    const ok = await authorize({
      origin,
      clientId: app!.clientId,
      redirectUri: REDIRECT,
      scope: "read_orders",
      email: CUSTOMER_EMAIL,
      password: DEMO_PASSWORDS.customer,
      challenge,
    });
    const wrong = await tokenRequest(origin, {
      grant_type: "authorization_code",
      code: ok.redirect.searchParams.get("code")!,
      redirect_uri: REDIRECT,
      client_id: app!.clientId,
      code_verifier: pkce().verifier,
    });
    expect(wrong).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  it("refuses a redirect_uri that is not registered, without redirecting to it", async () => {
    const { app } = await registerApp({
      name: "Strict Redirects",
      type: "PUBLIC",
      redirectUris: [REDIRECT],
      scopes: ["read_orders"],
    });
    const params = new URLSearchParams({
      client_id: app!.clientId,
      redirect_uri: "https://evil.example/callback",
      response_type: "code",
      scope: "read_orders",
      code_challenge: pkce().challenge,
      code_challenge_method: "S256",
    });
    const res = await step(new CookieJar(), `${origin}/oauth/auth?${params}`);
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toMatch(/redirect_uri/);
    // Registering one is validated too: http only on loopback, no fragments.
    const bad = await registerApp({
      name: "Bad",
      type: "CONFIDENTIAL",
      redirectUris: ["http://app.example/cb", "https://app.example/cb#frag"],
      scopes: ["read_orders"],
    });
    expect(bad.app).toBeNull();
    expect(bad.userErrors.map((e) => [e.code, e.field.join(".")])).toEqual([
      ["INVALID_REDIRECT_URI", "input.redirectUris.0"],
      ["INVALID_REDIRECT_URI", "input.redirectUris.1"],
    ]);
  });

  it("narrows scopes: the user's consent within the app's allowance within the user's role", async () => {
    const { app } = await registerApp({
      name: "Catalog Sync",
      type: "PUBLIC",
      redirectUris: [REDIRECT],
      scopes: ["read_orders", "write_orders", "read_products", "write_products"],
    });
    // Asks for read_customers too, which the admin did not allow; write_products exceeds a CUSTOMER; the user unticks write_orders.
    const token = await codeFlow(
      app!.clientId,
      "read_orders write_orders read_products write_products read_customers",
      { consent: ["read_orders", "read_products"] },
    );
    expect([...token.consentHtml.matchAll(/name="scope" value="([^"]+)"/g)].map((m) => m[1])).toEqual([
      "read_orders",
      "write_orders",
      "read_products",
    ]);
    expect(token.consentHtml).toMatch(/Not available to your account, so not granted: write_products/);
    expect(token.consentHtml).not.toContain("read_customers");
    expect(decodeJwt(token.access_token!).scope).toBe("read_orders read_products");
    // An ADMIN consenting to the same request may grant write_products (their role allows it).
    const admin = await codeFlow(app!.clientId, "read_products write_products", {
      email: ADMIN_EMAIL,
      password: DEMO_PASSWORDS.admin,
    });
    expect(decodeJwt(admin.access_token!)).toMatchObject({ scope: "read_products write_products", role: "ADMIN" });
  });

  it("deny sends access_denied to the app and issues nothing", async () => {
    const { app } = await registerApp({
      name: "Denied App",
      type: "PUBLIC",
      redirectUris: [REDIRECT],
      scopes: ["read_orders"],
    });
    const { redirect } = await authorize({
      origin,
      clientId: app!.clientId,
      redirectUri: REDIRECT,
      scope: "read_orders",
      email: CUSTOMER_EMAIL,
      password: DEMO_PASSWORDS.customer,
      decision: "deny",
    });
    expect(Object.fromEntries(redirect.searchParams)).toMatchObject({ error: "access_denied", state: "st-123" });
    expect(redirect.searchParams.get("code")).toBeNull();
  });

  it("refuses the sign-in and consent forms without their CSRF token (403), and wrong passwords as the login does", async () => {
    const { app } = await registerApp({
      name: "CSRF Target",
      type: "PUBLIC",
      redirectUris: [REDIRECT],
      scopes: ["read_orders"],
    });
    const jar = new CookieJar();
    const params = new URLSearchParams({
      client_id: app!.clientId,
      redirect_uri: REDIRECT,
      response_type: "code",
      scope: "read_orders",
      code_challenge: pkce().challenge,
      code_challenge_method: "S256",
    });
    const start = await step(jar, `${origin}/oauth/auth?${params}`);
    const page = new URL(start.headers.get("location")!, origin);
    const html = await (await step(jar, page.href)).text();
    expect(html).toContain("CSRF Target");
    const forged = await step(jar, `${page.href}/login`, {
      form: { csrf: "forged", email: CUSTOMER_EMAIL, password: DEMO_PASSWORDS.customer },
    });
    expect(forged.status).toBe(403);
    const missing = await step(jar, `${page.href}/consent`, { form: { decision: "approve" } });
    expect(missing.status).toBe(403);
    const wrong = await step(jar, `${page.href}/login`, {
      form: { csrf: csrfOf(html), email: CUSTOMER_EMAIL, password: "not the password!!" },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("Email or password is incorrect");
    expect(wrong.headers.get("content-security-policy")).toMatch(
      /^default-src 'none'; style-src 'nonce-[^']+'; form-action 'self' https:\/\/app\.example; frame-ancestors 'none'/,
    );
  });
});

describe("browser apps (CORS on the token endpoint)", () => {
  it("answers a public app's page on its redirect origin, and refuses another origin", async () => {
    const { app } = await registerApp({
      name: "SPA",
      type: "PUBLIC",
      redirectUris: [REDIRECT],
      scopes: ["read_orders"],
    });
    const first = await codeFlow(app!.clientId, "read_orders offline_access");
    const refresh = (origin_: string, refreshToken: string) =>
      fetch(`${origin}/oauth/token`, {
        method: "POST",
        headers: { origin: origin_, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "refresh_token",
          refresh_token: refreshToken,
          client_id: app!.clientId,
        }),
      });
    const preflight = await fetch(`${origin}/oauth/token`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
    // Another site's page cannot spend the app's refresh token: refused, and nothing readable by it.
    const foreign = await refresh("https://evil.example", first.refresh_token!);
    expect(foreign.status).toBe(400);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    expect(((await foreign.json()) as { error: string }).error).toBe("invalid_request");
    const own = await refresh("https://app.example", first.refresh_token!);
    expect(own.status).toBe(200);
    expect(own.headers.get("access-control-allow-origin")).toBe("https://app.example");
  });
});

describe("refresh tokens", () => {
  it("rotate: the new one works, the old one is refused, and reusing it revokes the grant and its access tokens", async () => {
    const { app } = await registerApp({
      name: "Refresher",
      type: "PUBLIC",
      redirectUris: [REDIRECT],
      scopes: ["read_orders"],
    });
    const first = await codeFlow(app!.clientId, "read_orders offline_access");
    const second = await tokenRequest(origin, {
      grant_type: "refresh_token",
      refresh_token: first.refresh_token!,
      client_id: app!.clientId,
    });
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(second.body.access_token!).scope).toBe("read_orders");
    expect(await works(second.body.access_token!)).toBe(true);
    const replay = await tokenRequest(origin, {
      grant_type: "refresh_token",
      refresh_token: first.refresh_token!,
      client_id: app!.clientId,
    });
    expect(replay).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    // Reuse means theft: the whole grant is gone, the rotated token too, and its access tokens die everywhere.
    const third = await tokenRequest(origin, {
      grant_type: "refresh_token",
      refresh_token: second.body.refresh_token!,
      client_id: app!.clientId,
    });
    expect(third).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect(await msUntilRefused(second.body.access_token!)).toBeLessThan(5_000);
  });
});

describe("client credentials (machine to machine)", () => {
  it("a CONFIDENTIAL app acts as itself with the scopes it was allowed; a wrong secret is invalid_client", async () => {
    const { app, clientSecret } = await registerApp({
      name: "ERP Sync",
      type: "CONFIDENTIAL",
      redirectUris: [],
      scopes: ["read_orders"],
      machineToMachine: true,
    });
    expect(clientSecret).toMatch(/^sgs_/);
    const token = await tokenRequest(
      origin,
      { grant_type: "client_credentials", scope: "read_orders" },
      { id: app!.clientId, secret: clientSecret! },
    );
    expect(token.status, JSON.stringify(token.body)).toBe(200);
    expect(decodeJwt(token.body.access_token!)).toMatchObject({
      sub: app!.clientId,
      client_id: app!.clientId,
      scope: "read_orders",
      aud: "shopgraph",
    });
    const orders = await gql(stack.url, ORDERS, { token: token.body.access_token!, credential: null });
    expect(orders.errors).toBeUndefined();
    expect(orders.data!.orders.totalCount).toBeGreaterThan(0);
    // Not allowed to it: asked for, it is not granted.
    const more = await tokenRequest(
      origin,
      { grant_type: "client_credentials", scope: "read_orders read_customers" },
      { id: app!.clientId, secret: clientSecret! },
    );
    expect(more.status === 400 || decodeJwt(more.body.access_token!).scope === "read_orders").toBe(true);
    const wrong = await tokenRequest(
      origin,
      { grant_type: "client_credentials", scope: "read_orders" },
      { id: app!.clientId, secret: "sgs_wrong" },
    );
    expect(wrong).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    // A PUBLIC app holds no secret, so it may not act as itself.
    const pub = await registerApp({
      name: "Public Machine",
      type: "PUBLIC",
      redirectUris: [REDIRECT],
      scopes: ["read_orders"],
      machineToMachine: true,
    });
    expect(pub.userErrors.map((e) => e.code)).toEqual(["PUBLIC_APP_CANNOT_USE_CLIENT_CREDENTIALS"]);
  });

  it("rotateAppSecret: the new secret authenticates, the old one no longer", async () => {
    const { app, clientSecret } = await registerApp({
      name: "Rotating",
      type: "CONFIDENTIAL",
      redirectUris: [],
      scopes: ["read_products"],
      machineToMachine: true,
    });
    const res = await gql(
      stack.url,
      `mutation($id: ID!) { rotateAppSecret(id: $id) { clientSecret app { id } userErrors { code } } }`,
      { variables: { id: app!.id }, token: adminToken, credential: null },
    );
    const fresh = res.data!.rotateAppSecret.clientSecret as string;
    expect(fresh).toMatch(/^sgs_/);
    expect(fresh).not.toBe(clientSecret);
    expect(
      (await tokenRequest(origin, { grant_type: "client_credentials" }, { id: app!.clientId, secret: clientSecret! }))
        .status,
    ).toBe(401);
    expect(
      (await tokenRequest(origin, { grant_type: "client_credentials" }, { id: app!.clientId, secret: fresh })).status,
    ).toBe(200);
  });
});

describe("introspection (RFC 7662) and revocation (RFC 7009)", () => {
  it("a refresh token is active until revoked; revoking it ends the grant and its access tokens within 5 s", async () => {
    const { app, clientSecret } = await registerApp({
      name: "Server App",
      type: "CONFIDENTIAL",
      redirectUris: [REDIRECT],
      scopes: ["read_orders"],
    });
    const client = { id: app!.clientId, secret: clientSecret! };
    const tokens = await codeFlow(app!.clientId, "read_orders offline_access", { secret: clientSecret! });
    const introspect = async (token: string) => {
      const res = await fetch(`${origin}/oauth/token/introspection`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`,
        },
        body: new URLSearchParams({ token }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const active = await introspect(tokens.refresh_token!);
    expect(active, JSON.stringify(active)).toMatchObject({
      status: 200,
      body: { active: true, client_id: app!.clientId, sub: seedCustomer.id },
    });
    // JWT access tokens are self-contained: resource servers verify them with the JWKS (oidc-provider refuses to introspect them).
    expect((await introspect(tokens.access_token!)).body).toMatchObject({ error: "unsupported_token_type" });
    const revoked = await fetch(`${origin}/oauth/token/revocation`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ token: tokens.refresh_token!, token_type_hint: "refresh_token" }),
    });
    expect(revoked.status).toBe(200);
    expect(await introspect(tokens.refresh_token!)).toMatchObject({ status: 200, body: { active: false } });
    expect(await msUntilRefused(tokens.access_token!)).toBeLessThan(5_000);
  });
});

describe("ending access", () => {
  it("deleteApp: every token of the app stops working within 5 s and its refresh tokens are refused", async () => {
    const { app, clientSecret } = await registerApp({
      name: "Doomed",
      type: "CONFIDENTIAL",
      redirectUris: [REDIRECT],
      scopes: ["read_orders"],
      machineToMachine: true,
    });
    const user = await codeFlow(app!.clientId, "read_orders offline_access", { secret: clientSecret! });
    const machine = await tokenRequest(
      origin,
      { grant_type: "client_credentials", scope: "read_orders" },
      { id: app!.clientId, secret: clientSecret! },
    );
    expect(await works(user.access_token!)).toBe(true);
    const res = await gql(stack.url, `mutation($id: ID!) { deleteApp(id: $id) { success userErrors { code } } }`, {
      variables: { id: app!.id },
      token: adminToken,
      credential: null,
    });
    expect(res.data!.deleteApp).toEqual({ success: true, userErrors: [] });
    const [a, b] = await Promise.all([msUntilRefused(user.access_token!), msUntilRefused(machine.body.access_token!)]);
    expect(Math.max(a, b)).toBeLessThan(5_000);
    const refresh = await tokenRequest(
      origin,
      { grant_type: "refresh_token", refresh_token: user.refresh_token! },
      { id: app!.clientId, secret: clientSecret! },
    );
    expect(refresh).toMatchObject({ status: 401, body: { error: "invalid_client" } });
    const again = await gql(stack.url, `mutation($id: ID!) { deleteApp(id: $id) { success userErrors { code } } }`, {
      variables: { id: app!.id },
      token: adminToken,
      credential: null,
    });
    expect(again.data!.deleteApp).toEqual({ success: false, userErrors: [{ code: "NOT_FOUND" }] });
  });

  it("revokeAppAuthorization: the user sees the app, withdraws it, and its tokens stop working within 5 s", async () => {
    const { app } = await registerApp({
      name: "Withdrawn",
      type: "PUBLIC",
      redirectUris: [REDIRECT],
      scopes: ["read_orders", "read_notifications"],
    });
    const email = seedUsers[2]!.email;
    const tokens = await codeFlow(app!.clientId, "read_orders read_notifications offline_access", { email });
    const session = await signIn(email, DEMO_PASSWORDS.customer);
    const listed = await gql(stack.url, "{ me { authorizedApps { app { id name } scopes authorizedAt } } }", {
      token: session,
      credential: null,
    });
    expect(listed.data!.me.authorizedApps).toEqual([
      {
        app: { id: app!.id, name: "Withdrawn" },
        scopes: ["read_orders", "read_notifications"],
        authorizedAt: expect.any(String),
      },
    ]);
    const res = await gql(
      stack.url,
      `mutation($id: ID!) { revokeAppAuthorization(appId: $id) { user { authorizedApps { app { id } } } userErrors { code } } }`,
      { variables: { id: app!.id }, token: session, credential: null },
    );
    expect(res.data!.revokeAppAuthorization).toEqual({ user: { authorizedApps: [] }, userErrors: [] });
    expect(await msUntilRefused(tokens.access_token!)).toBeLessThan(5_000);
    const refresh = await tokenRequest(origin, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token!,
      client_id: app!.clientId,
    });
    expect(refresh).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    // The user's own session is untouched.
    expect(await works(session)).toBe(true);
    const again = await gql(
      stack.url,
      `mutation($id: ID!) { revokeAppAuthorization(appId: $id) { userErrors { code } } }`,
      { variables: { id: app!.id }, token: session, credential: null },
    );
    expect(again.data!.revokeAppAuthorization.userErrors).toEqual([{ code: "NOT_AUTHORIZED_APP" }]);
  });
});

describe("admin API permissions", () => {
  it("apps and app management are for ADMINs on first-party sessions; an app's token cannot withdraw itself or read authorizedApps", async () => {
    const customer = await signIn(CUSTOMER_EMAIL, DEMO_PASSWORDS.customer);
    const asCustomer = await gql(stack.url, REGISTER, {
      variables: { i: { name: "x", type: "PUBLIC", redirectUris: [REDIRECT], scopes: ["read_orders"] } },
      token: customer,
      credential: null,
    });
    expect(asCustomer.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const list = await gql(
      stack.url,
      "{ apps(first: 2) { totalCount edges { node { id clientId } } pageInfo { hasNextPage } } }",
      { token: adminToken, credential: null },
    );
    expect(list.errors).toBeUndefined();
    expect(list.data!.apps.totalCount).toBeGreaterThan(2);
    expect(list.data!.apps.edges).toHaveLength(2);
    const unknown = await registerApp({ name: " ", type: "PUBLIC", redirectUris: [], scopes: ["read_everything"] });
    expect(unknown.userErrors.map((e) => e.code).sort()).toEqual([
      "INVALID_APP_NAME",
      "REDIRECT_URI_REQUIRED",
      "UNKNOWN_SCOPE",
    ]);
    const { app } = await registerApp({
      name: "Self Service",
      type: "PUBLIC",
      redirectUris: [REDIRECT],
      scopes: ["read_customers"],
    });
    const appToken = await codeFlow(app!.clientId, "read_customers");
    const read = await gql(stack.url, "{ me { authorizedApps { app { id } } } }", {
      token: appToken.access_token!,
      credential: null,
    });
    expect(read.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const withdraw = await gql(
      stack.url,
      `mutation($id: ID!) { revokeAppAuthorization(appId: $id) { userErrors { code } } }`,
      { variables: { id: app!.id }, token: appToken.access_token!, credential: null },
    );
    expect(withdraw.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});
