import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { ADMIN_EMAIL, CUSTOMER_EMAIL, DEMO_PASSWORDS, seedCustomer } from "@shopgraph/fixtures";
import { freePort, gql } from "@shopgraph/testing";
import { authorize, pkce, tokenRequest } from "./oauth-client.ts";
import { startStack, type Stack } from "./stack.ts";

// Issue #14 §2 through the gateway: Shopgraph as an OAuth 2.0 authorization server for apps.
let stack: Stack;
let origin: string;
let adminToken: string;

const LOGIN = "mutation($i: LoginInput!) { login(input: $i) { session { accessToken } userErrors { code } } }";
const REGISTER = `mutation($i: RegisterAppInput!) { registerApp(input: $i) { app { id clientId name type scopes redirectUris machineToMachine } clientSecret userErrors { code field } } }`;
const REDIRECT = "https://app.example/callback";

async function signIn(email: string, password: string): Promise<string> {
  const res = await gql(stack.url, LOGIN, { variables: { i: { email, password } }, credential: null });
  return res.data!.login.session.accessToken as string;
}

async function registerApp(input: Record<string, unknown>) {
  const res = await gql(stack.url, REGISTER, { variables: { i: input }, token: adminToken, credential: null });
  expect(res.errors).toBeUndefined();
  return res.data!.registerApp as {
    app: { id: string; clientId: string } | null;
    clientSecret: string | null;
    userErrors: { code: string }[];
  };
}

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

describe("authorization code + PKCE through the gateway", () => {
  it("a public app gets a JWT access token for the customer that works on /graphql with its scopes", async () => {
    const { app, clientSecret } = await registerApp({
      name: "Shipping Helper",
      type: "PUBLIC",
      redirectUris: [REDIRECT],
      scopes: ["read_orders", "read_customers"],
    });
    expect(clientSecret).toBeNull();
    const { verifier, challenge } = pkce();
    const { redirect, consentHtml } = await authorize({
      origin,
      clientId: app!.clientId,
      redirectUri: REDIRECT,
      scope: "read_orders read_customers offline_access",
      email: CUSTOMER_EMAIL,
      password: DEMO_PASSWORDS.customer,
      challenge,
    });
    expect(consentHtml).toContain("Shipping Helper");
    expect(redirect.searchParams.get("state")).toBe("st-123");
    const code = redirect.searchParams.get("code")!;
    const token = await tokenRequest(origin, {
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT,
      client_id: app!.clientId,
      code_verifier: verifier,
    });
    expect(token.status).toBe(200);
    expect(token.body.refresh_token).toBeTruthy();
    const claims = decodeJwt(token.body.access_token!);
    expect(decodeProtectedHeader(token.body.access_token!)).toMatchObject({ typ: "at+jwt", alg: "EdDSA" });
    expect(claims).toMatchObject({
      iss: origin,
      aud: "shopgraph",
      sub: seedCustomer.id,
      client_id: app!.clientId,
      role: "CUSTOMER",
      scope: "read_orders read_customers",
    });
    const me = await gql(stack.url, "{ me { id email } }", { token: token.body.access_token!, credential: null });
    expect(me.errors).toBeUndefined();
    expect(me.data!.me).toEqual({ id: seedCustomer.id, email: CUSTOMER_EMAIL });
  });
});
