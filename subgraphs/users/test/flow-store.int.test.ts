import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, MemoryKeyValueCache, RedisKeyValueCache, waitForRedis, type Redis } from "@shopgraph/kv";
import { provisionRedis, type TestRedis } from "@shopgraph/testing";
import { createFlowStore, type FlowStore } from "../src/oidc/flow-store.ts";

// Started social logins are single use and short-lived, in Redis (shared by replicas) and in-process.
let redis: TestRedis;
let client: Redis | undefined;
const stores: [string, () => FlowStore][] = [
  ["in-process", () => createFlowStore(new MemoryKeyValueCache(100))],
  ["Redis", () => createFlowStore(new RedisKeyValueCache(client!, redis.prefix, { timeoutMs: 1_000 }))],
];

beforeAll(async () => {
  redis = await provisionRedis();
  if (!redis.url) return;
  client = createRedis(redis.url, { commandTimeoutMs: 1_000 });
  // Request-path clients queue nothing while connecting: wait until it is ready.
  await waitForRedis(client, 5_000);
});
afterAll(async () => {
  client?.disconnect();
  await redis?.cleanup();
});

const flow = {
  provider: "google",
  redirectUri: "https://shop.example/cb",
  nonce: "n",
  codeVerifier: "v",
  startedBy: null,
};

describe.each(stores)("flow store (%s)", (name, make) => {
  it("hands a flow out once, to exactly one of concurrent takers", async ({ skip }) => {
    skip(name === "Redis" && !client, "Redis unreachable (outside CI)");
    const store = make();
    await store.put("state-1", flow, 60);
    const taken = await Promise.all(Array.from({ length: 8 }, () => store.take("state-1")));
    expect(taken.filter(Boolean)).toEqual([flow]);
    expect(await store.take("state-1")).toBeNull();
    expect(await store.take("never-started")).toBeNull();
  });

  it("forgets a flow after its TTL", async ({ skip }) => {
    skip(name === "Redis" && !client, "Redis unreachable (outside CI)");
    const store = make();
    await store.put("state-2", flow, 1);
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect(await store.take("state-2")).toBeNull();
  });
});

it("keeps no state in Redis in the clear (keys are hashes of it)", async ({ skip }) => {
  skip(!client, "Redis unreachable (outside CI)");
  await stores[1]![1]().put("visible-state-value", flow, 60);
  const keys = await client!.keys(`${redis.prefix}*`);
  expect(keys.length).toBeGreaterThan(0);
  expect(keys.some((k) => k.includes("visible-state-value"))).toBe(false);
});
