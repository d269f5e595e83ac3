import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, redisGuard, RedisUnavailableError, waitForRedis, type Redis } from "@shopgraph/kv";
import { registry } from "@shopgraph/metrics";
import { startPrivateRedis, type PrivateRedis } from "@shopgraph/testing";
import { createApqCache } from "../src/persisted/apq-cache.ts";
import { createRedisRateLimitStore } from "../src/rate-limit/rate-limit-store.ts";

// The gateway's Redis uses, against a private redis-server that is stopped and frozen: every call
// answers within the deadline, limits stay enforced (per process) and APQ reads are misses.
const DEADLINE_MS = 50;
let server: PrivateRedis;
let redis: Redis;
const warnings: string[] = [];
const logger = { warn: (_: object, message: string) => void warnings.push(message), info: () => {} };

beforeAll(async () => {
  server = await startPrivateRedis();
  redis = createRedis(server.url, { commandTimeoutMs: DEADLINE_MS });
  redis.on("error", () => {});
  await waitForRedis(redis);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.close();
});

/** Runs `fn` and returns its result with how long it took. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

/** Waits until the shared guard of `redis` closes again (its background PING answered). */
async function untilAvailable(): Promise<void> {
  const guard = redisGuard(redis);
  for (let i = 0; i < 100 && !guard.available; i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(guard.available).toBe(true);
}

describe("Redis on the gateway's request path", () => {
  it("enforces the same limit per process while Redis is stopped or frozen, and within the deadline", async () => {
    const store = createRedisRateLimitStore(redis, "sg:t1:", { timeoutMs: DEADLINE_MS, logger });
    const spend = (key: string) => timed(() => store.consume(key, 1, 3, 60_000));
    // Healthy: the shared counter in Redis refuses the 4th.
    const healthy = [];
    for (let i = 0; i < 4; i++) healthy.push((await spend("attacker")).value.allowed);
    expect(healthy).toEqual([true, true, true, false]);
    expect(await redis.exists("sg:t1:rl:3:60:{attacker}")).toBe(1);

    await server.stop();
    const down = [];
    for (let i = 0; i < 4; i++) down.push(await spend("attacker-2"));
    // The attack is still refused (in-process limiter), and nothing waited for Redis.
    expect(down.map((d) => d.value.allowed)).toEqual([true, true, true, false]);
    expect(Math.max(...down.map((d) => d.ms))).toBeLessThan(DEADLINE_MS);
    expect(warnings).toContain("rate limits enforced per process: Redis unavailable");
    // Operators see it: fail-opens counted per use, the guard's state as a gauge.
    expect(await registry.getSingleMetricAsString("redis_fail_open_total")).toMatch(
      /redis_fail_open_total\{use="rate-limit"\} [1-9]/,
    );
    expect(await registry.getSingleMetricAsString("redis_request_path_available")).toMatch(
      /redis_request_path_available 0/,
    );

    await server.start();
    await untilAvailable();
    server.freeze();
    try {
      const frozen = [];
      for (let i = 0; i < 4; i++) frozen.push(await spend("attacker-3"));
      expect(frozen.map((f) => f.value.allowed)).toEqual([true, true, true, false]);
      // The first call waits the deadline (and trips the guard); the others do not wait at all.
      expect(frozen[0]!.ms).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
      expect(frozen[0]!.ms).toBeLessThan(DEADLINE_MS + 100);
      expect(Math.max(...frozen.slice(1).map((f) => f.ms))).toBeLessThan(DEADLINE_MS / 2);
    } finally {
      server.thaw();
    }
    await untilAvailable();
    expect((await spend("after-thaw")).value).toMatchObject({ allowed: true, used: 1 });
  }, 30_000);

  it("reads APQ entries as misses while Redis is down and skips writes, then uses Redis again", async () => {
    const apq = createApqCache(redis, "sg:t2:", { timeoutMs: DEADLINE_MS, logger });
    await apq.set("apq:h1", "{ a }");
    expect(await apq.get("apq:h1")).toBe("{ a }");
    server.freeze();
    try {
      const miss = await timed(() => apq.get("apq:h1"));
      expect(miss.value).toBeUndefined();
      expect(miss.ms).toBeLessThan(DEADLINE_MS + 100);
      const write = await timed(() => apq.set("apq:h2", "{ b }"));
      expect(write.ms).toBeLessThan(DEADLINE_MS / 2);
    } finally {
      server.thaw();
    }
    await untilAvailable();
    expect(await apq.get("apq:h1")).toBe("{ a }");
    await server.stop();
    expect((await timed(() => apq.get("apq:h1"))).ms).toBeLessThan(DEADLINE_MS);
    await server.start();
    await untilAvailable();
  }, 30_000);

  it("does not trip when this process stalled past the deadline while Redis had answered", async () => {
    const guard = redisGuard(redis);
    await redis.set("sg:t4:k", "v");
    const reply = guard.run("test", () => redis.get("sg:t4:k"));
    // A synchronous stall (a GC pause, a busy host) longer than the deadline: the reply waits in the socket.
    const until = performance.now() + DEADLINE_MS + 30;
    while (performance.now() < until) {
      // busy-wait on purpose
    }
    await expect(reply).resolves.toBe("v");
    expect(guard.available).toBe(true);
  });

  it("reports a call whose connection broke under it as an outage, with ioredis' error as its cause", async () => {
    const guard = redisGuard(redis);
    expect(guard.available).toBe(true);
    // What ioredis rejects with when the server goes away before it has noticed (status still "ready").
    const broken = Object.assign(new Error("Reached the max retries per request limit"), {
      name: "MaxRetriesPerRequestError",
    });
    const failed = guard.run("test", () => Promise.reject(broken));
    await expect(failed).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(failed).rejects.toMatchObject({ cause: broken });
    expect(guard.available).toBe(false);
    await untilAvailable();
  }, 30_000);

  it("does not trip on Redis' own error replies (an answer, not an outage)", async () => {
    const guard = redisGuard(redis);
    await redis.set("sg:t3:string", "x");
    await expect(guard.run("test", () => redis.lpush("sg:t3:string", "y"))).rejects.toThrow(/WRONGTYPE/);
    expect(guard.available).toBe(true);
    await server.stop();
    await expect(guard.run("test", () => redis.get("sg:t3:string"))).rejects.toBeInstanceOf(RedisUnavailableError);
    expect(guard.available).toBe(false);
    await server.start();
    await untilAvailable();
  }, 30_000);
});
