import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    gatewayEnv: {
      RATE_LIMIT_CREDENTIAL_ATTEMPTS: "3",
      RATE_LIMIT_ANON_POINTS: "2000",
      RATE_LIMIT_USER_POINTS: "2000",
      RATE_LIMIT_WINDOW_MS: "60000",
    },
  });
});
afterAll(() => stack?.close());

const LOGIN = `mutation { login(input: { email: "nobody@example.com", password: "wrong password!!" }) { userErrors { code } } }`;

describe("rate limits", () => {
  it("allows a few sign-in attempts per IP, then answers 429 RATE_LIMITED with Retry-After", async () => {
    for (let i = 0; i < 3; i++) expect((await gql(stack.url, LOGIN)).status).toBe(200);
    const blocked = await gql(stack.url, LOGIN);
    expect(blocked.status).toBe(429);
    expect(blocked.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("counts aliased sign-in attempts one by one", async () => {
    // The per-operation cap (MAX_CREDENTIAL_FIELDS, default 1) would refuse this first with a 400; raised here to reach the bucket.
    const other = await stack.startAnotherGateway({
      RATE_LIMIT_CREDENTIAL_ATTEMPTS: "3",
      MAX_CREDENTIAL_FIELDS: "10",
      REDIS_KEY_PREFIX: `${stack.redis.prefix}alias:`,
    });
    const batch = `mutation { a: login(input: { email: "x@example.com", password: "p" }) { userErrors { code } } b: login(input: { email: "y@example.com", password: "p" }) { userErrors { code } } c: login(input: { email: "z@example.com", password: "p" }) { userErrors { code } } d: login(input: { email: "w@example.com", password: "p" }) { userErrors { code } } }`;
    const res = await gql(other.graphqlUrl, batch);
    expect(res.status).toBe(429);
  });

  it("counts social sign-in attempts (completeSocialLogin) in the same per-IP bucket as password ones", async () => {
    const other = await stack.startAnotherGateway({
      RATE_LIMIT_CREDENTIAL_ATTEMPTS: "3",
      REDIS_KEY_PREFIX: `${stack.redis.prefix}social:`,
    });
    const social = `mutation { completeSocialLogin(input: { provider: "nowhere", redirectUri: "http://localhost/cb", code: "guess", state: "guess" }) { userErrors { code } } }`;
    for (let i = 0; i < 3; i++) expect((await gql(other.graphqlUrl, social)).status).toBe(200);
    const blocked = await gql(other.graphqlUrl, social);
    expect(blocked.status).toBe(429);
    expect(blocked.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
  });

  it("weights queries by cost: an expensive query spends the budget faster than a cheap one", async () => {
    const cheapGateway = await stack.startAnotherGateway({
      REDIS_KEY_PREFIX: `${stack.redis.prefix}cheap:`,
      RATE_LIMIT_ANON_POINTS: "3000",
    });
    for (let i = 0; i < 20; i++)
      expect((await gql(cheapGateway.graphqlUrl, "{ categories { slug } }")).status).toBe(200);
    const expensiveGateway = await stack.startAnotherGateway({
      REDIS_KEY_PREFIX: `${stack.redis.prefix}dear:`,
      RATE_LIMIT_ANON_POINTS: "3000",
    });
    const expensive = "{ products(first: 100) { edges { node { id title slug price { amount } } } } }";
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await gql(expensiveGateway.graphqlUrl, expensive)).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
  });

  it("shares one budget between gateway replicas using the same Redis", async () => {
    const prefix = `${stack.redis.prefix}shared:`;
    const a = await stack.startAnotherGateway({ REDIS_KEY_PREFIX: prefix, RATE_LIMIT_CREDENTIAL_ATTEMPTS: "2" });
    const b = await stack.startAnotherGateway({ REDIS_KEY_PREFIX: prefix, RATE_LIMIT_CREDENTIAL_ATTEMPTS: "2" });
    expect((await gql(a.graphqlUrl, LOGIN)).status).toBe(200);
    expect((await gql(b.graphqlUrl, LOGIN)).status).toBe(200);
    const third = await gql(a.graphqlUrl, LOGIN);
    expect(third.status).toBe(stack.redis.url ? 429 : 200);
  });
});
