import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, redisGuard, waitForRedis, type Redis } from "@shopgraph/kv";
import { startPrivateRedis, type PrivateRedis } from "@shopgraph/testing";
import { createRedisEntityCache } from "../src/cache/entity-cache.ts";

// The products entity cache against a private redis-server it may freeze: reads fail open within
// the deadline, and an invalidation that could not reach Redis is delivered once Redis answers, so
// no instance serves the old value after a freeze for as long as its TTL.
const DEADLINE_MS = 50;
let server: PrivateRedis;
let clients: Redis[];

beforeAll(async () => {
  server = await startPrivateRedis();
  clients = [
    createRedis(server.url, { commandTimeoutMs: DEADLINE_MS }),
    createRedis(server.url, { commandTimeoutMs: DEADLINE_MS }),
  ];
  for (const client of clients) client.on("error", () => {});
  await Promise.all(clients.map((client) => waitForRedis(client)));
});
afterAll(async () => {
  for (const client of clients ?? []) client.disconnect();
  await server?.close();
});

describe("products entity cache when Redis freezes", () => {
  it("misses within the deadline, and delivers an invalidation made during the freeze once Redis is back", async () => {
    // Two instances behind a load balancer, sharing Redis.
    type Cache = ReturnType<typeof createRedisEntityCache>;
    const [a, b] = clients.map((client) =>
      createRedisEntityCache(client, "sg:products:", { timeoutMs: DEADLINE_MS }),
    ) as [Cache, Cache];
    const [first] = await a.read(["product:1"]);
    await a.fill([{ key: "product:1", value: "price 10", version: first!.version!, ttlSeconds: 600 }]);
    expect((await b.read(["product:1"]))[0]?.value).toBe("price 10");

    server.freeze();
    try {
      const started = performance.now();
      await expect(b.read(["product:1"])).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(DEADLINE_MS + 100);
      // Instance A has seen Redis fail too (its guard tripped), then commits a price change: its
      // invalidation is not even sent (a command sent into the frozen socket would run on thaw).
      await expect(a.read(["product:2"])).rejects.toThrow();
      await expect(a.invalidate(["product:1"])).rejects.toThrow(/unavailable/);
    } finally {
      server.thaw();
    }
    // Without the retry, instance B would read "price 10" again for the rest of the 600 s TTL.
    const deadline = Date.now() + 3_000;
    let seen: string | null = "price 10";
    while (Date.now() < deadline) {
      if (redisGuard(clients[1]!).available) {
        seen = (await b.read(["product:1"]).catch(() => [{ value: "unavailable" }]))[0]!.value;
        if (seen === null) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(seen).toBeNull();
    expect(Number(await clients[0]!.get("sg:products:v:{product:1}"))).toBe(1);
  }, 30_000);
});
