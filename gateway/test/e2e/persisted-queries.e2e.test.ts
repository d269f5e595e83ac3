import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { startStack, type Stack } from "./stack.ts";
import { countingFetcher } from "./subgraph-calls.ts";

const manifestPath = fileURLToPath(new URL("../../../schema/persisted-queries/manifest.json", import.meta.url));
const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
  operations: { id: string; name: string; body: string }[];
};
const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const calls = countingFetcher();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    gatewayDeps: { wrapFetcher: calls.wrap },
    gatewayEnv: {
      RATE_LIMIT_ENABLED: "false",
      TRUSTED_DOCUMENTS_MODE: "off",
      TRUSTED_DOCUMENTS_CLIENTS: "shopgraph-ios:enforce,partner-app:audit",
    },
  });
});
afterAll(() => stack?.close());

async function send(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(stack.url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] },
  };
}
const apq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

describe("automatic persisted queries", () => {
  const query = `{ categories { slug } } # apq ${Date.now()}`;
  const hash = sha(query);

  it("answers an unknown hash with PERSISTED_QUERY_NOT_FOUND and calls no subgraph", async () => {
    const before = calls.total();
    const res = await send({ extensions: apq(hash) });
    expect(res.body.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    expect(calls.total()).toBe(before);
  });

  it("stores query + hash (in Redis when configured) and then serves the hash alone", async () => {
    expect((await send({ query, extensions: apq(hash) })).body.data?.categories).toBeDefined();
    const again = await send({ extensions: apq(hash) });
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data?.categories).toEqual(expect.any(Array));
    if (stack.redis.url) {
      const redis = new Redis(stack.redis.url);
      try {
        expect(await redis.ttl(`${stack.redis.prefix}apq:${hash}`)).toBeGreaterThan(0);
      } finally {
        redis.disconnect();
      }
    }
  });

  it("refuses a hash that does not match the query", async () => {
    const res = await send({ query, extensions: apq(sha("something else")) });
    expect(res.status).toBe(400);
  });
});

describe("trusted documents", () => {
  const me = manifest.operations.find((op) => op.name === "CatalogPage")!;

  it("publishes a manifest whose ids are the sha256 of the bodies", () => {
    expect(manifest.operations.length).toBeGreaterThanOrEqual(5);
    for (const op of manifest.operations) expect(op.id).toBe(sha(op.body));
  });

  it("runs a manifest operation from its id alone for a locked client", async () => {
    const res = await send(
      { extensions: apq(me.id), variables: { first: 2 } },
      { "apollographql-client-name": "shopgraph-ios" },
    );
    expect(res.body.errors).toBeUndefined();
    expect((res.body.data?.products as { edges: unknown[] }).edges).toHaveLength(2);
  });

  it("refuses arbitrary operations from an enforced client with 400 and calls nothing", async () => {
    const before = calls.total();
    const res = await send({ query: "{ categories { slug name } }" }, { "apollographql-client-name": "shopgraph-ios" });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_SUPPORTED");
    expect(calls.total()).toBe(before);
  });

  it("keeps other clients open, and lets audited clients run unknown operations", async () => {
    expect(
      (await send({ query: "{ categories { slug } }" }, { "apollographql-client-name": "shopgraph-web" })).body.errors,
    ).toBeUndefined();
    expect(
      (await send({ query: "{ categories { name } }" }, { "apollographql-client-name": "partner-app" })).body.errors,
    ).toBeUndefined();
  });

  it("accepts the manifest body sent in full by an enforced client", async () => {
    const res = await send(
      { query: me.body, variables: { first: 1 } },
      { "apollographql-client-name": "shopgraph-ios" },
    );
    expect(res.body.errors).toBeUndefined();
  });
});
