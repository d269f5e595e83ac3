import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gatewayEnv: { CORS_ORIGINS: "https://shop.example.com", RATE_LIMIT_ENABLED: "false" } });
});
afterAll(() => stack?.close());

describe("HTTP hardening", () => {
  it("allows listed origins with credentials and never answers with *", async () => {
    const ok = await fetch(stack.url, {
      method: "OPTIONS",
      headers: { origin: "https://shop.example.com", "access-control-request-method": "POST" },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://shop.example.com");
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
    const evil = await fetch(stack.url, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(evil.status).toBe(403);
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    const simple = await gql(stack.url, "{ categories { slug } }", { headers: { origin: "https://evil.example" } });
    expect(simple.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses CORS '*' in configuration", async () => {
    await expect(stack.startAnotherGateway({ CORS_ORIGINS: "*" })).rejects.toThrow(/CORS_ORIGINS/);
  });

  it("blocks CSRF-able requests: a simple GET without a preflight header, and text/plain POSTs", async () => {
    const get = await fetch(`${stack.url}?query=${encodeURIComponent("{ categories { slug } }")}`);
    expect(get.status).toBe(400);
    const textPlain = await fetch(stack.url, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ query: "{ categories { slug } }" }),
    });
    expect(textPlain.status).toBe(400);
    const preflighted = await fetch(`${stack.url}?query=${encodeURIComponent("{ categories { slug } }")}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expect(preflighted.status).toBe(200);
  });

  it("runs queries over GET but never mutations", async () => {
    const q = encodeURIComponent('mutation { logout(refreshToken: "x") { success } }');
    const res = await fetch(`${stack.url}?query=${q}`, { headers: { "apollo-require-preflight": "true" } });
    expect(res.status).toBe(405);
  });

  it("refuses batched requests (batching is off)", async () => {
    const res = await fetch(stack.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ query: "{ categories { slug } }" }, { query: "{ categories { slug } }" }]),
    });
    expect(res.status).toBe(400);
  });

  it("sets security headers and a generated request id; a client's request id is not trusted", async () => {
    const res = await gql(stack.url, "{ categories { slug } }", { headers: { "x-request-id": "client-chosen" } });
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("accepts the request id from a trusted proxy", async () => {
    const proxied = await stack.startAnotherGateway({ TRUST_PROXY: "true" });
    const res = await gql(proxied.graphqlUrl, "{ categories { slug } }", { headers: { "x-request-id": "lb-1234" } });
    expect(res.headers.get("x-request-id")).toBe("lb-1234");
  });

  it("serves the Sandbox landing page in development with a CSP that allows only Apollo's CDN", async () => {
    const res = await fetch(stack.url, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("embeddable-sandbox");
    expect(res.headers.get("content-security-policy")).toContain("https://embeddable-sandbox.cdn.apollographql.com");
  });

  it("answers /healthz and /readyz on every process", async () => {
    for (const base of [
      stack.gateway.url,
      stack.users.url,
      stack.products.url,
      stack.orders.url,
      stack.notifications.url,
    ]) {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    }
  });

  // That APOLLO_TELEMETRY_DISABLED is forced before @apollo/gateway loads is proven in a fresh process by
  // gateway/test/telemetry-guard.int.test.ts (vitest.config.ts sets the variable for every test here).
});

describe("production mode", () => {
  it("turns introspection, the Sandbox and field suggestions off", async () => {
    const prod = await stack.startAnotherGateway({ NODE_ENV: "production" });
    const introspection = await gql(prod.graphqlUrl, "{ __schema { types { name } } }");
    expect(introspection.status).toBe(400);
    expect(introspection.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const page = await fetch(prod.graphqlUrl, { headers: { accept: "text/html" } });
    expect(await page.text()).not.toContain("embeddable-sandbox");
    const typo = await gql(prod.graphqlUrl, "{ categoriez { slug } }");
    expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
    expect(JSON.stringify(typo.errors)).not.toMatch(/stacktrace/);
  });
});
