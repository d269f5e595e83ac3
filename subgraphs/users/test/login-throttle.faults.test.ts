import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, waitForRedis, type Redis } from "@shopgraph/kv";
import { startPrivateRedis, type PrivateRedis } from "@shopgraph/testing";
import { createLoginThrottle, type LoginThrottleSettings } from "../src/domain/login-throttle.ts";

// The throttle on a Redis of its own: the growing delay, and logins during a Redis freeze/outage.
const SETTINGS: LoginThrottleSettings = {
  maxFailuresPerAccountIp: 6,
  accountIpLockSeconds: 120,
  maxFailuresPerAccount: 50,
  accountLockSeconds: 60,
  failureWindowSeconds: 60,
  freeFailures: 2,
  maxDelaySeconds: 2,
  knownIpDays: 1,
  storeTimeoutMs: 50,
};

let server: PrivateRedis;
let redis: Redis;
beforeAll(async () => {
  server = await startPrivateRedis();
  redis = createRedis(server.url, { commandTimeoutMs: 50 });
  await waitForRedis(redis);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.close();
});

/** Runs fn and returns its result with how long it took. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

describe("login throttle on Redis", () => {
  it("makes each failure beyond the free ones wait longer: 1 s, then 2 s (capped)", async () => {
    const throttle = createLoginThrottle(SETTINGS, { redis, keyPrefix: "t1:" });
    const [email, ip] = ["delay@example.com", "203.0.113.7"];
    for (let i = 0; i < 2; i++) await throttle.recordFailure(email, ip);
    expect(await throttle.check(email, ip)).toBeNull();
    await throttle.recordFailure(email, ip);
    expect(await throttle.check(email, ip)).toEqual({ scope: "DELAY", retryAfterSeconds: 1 });
    // Another IP is not delayed: the delay belongs to the (account, IP) pair.
    expect(await throttle.check(email, "198.51.100.1")).toBeNull();
    await sleep(1_100);
    expect(await throttle.check(email, ip)).toBeNull();
    await throttle.recordFailure(email, ip);
    expect(await throttle.check(email, ip)).toEqual({ scope: "DELAY", retryAfterSeconds: 2 });
    await throttle.recordFailure(email, ip);
    expect(await throttle.check(email, ip)).toEqual({ scope: "DELAY", retryAfterSeconds: 2 });
    // The counters live in Redis, so a second users replica (another throttle) sees the same state.
    const replica = createLoginThrottle(SETTINGS, { redis, keyPrefix: "t1:" });
    expect((await replica.check(email, ip))?.scope).toBe("DELAY");
    await replica.recordSuccess(email, ip);
    expect(await throttle.check(email, ip)).toBeNull();
  });

  it("answers within its deadline while Redis is frozen (SIGSTOP), and keeps counting in-process", async () => {
    const throttle = createLoginThrottle({ ...SETTINGS, freeFailures: 100 }, { redis, keyPrefix: "t2:" });
    server.freeze();
    try {
      const durations: number[] = [];
      let locked = null;
      for (let i = 0; i < SETTINGS.maxFailuresPerAccountIp; i++) {
        const check = await timed(() => throttle.check("frozen@example.com", "203.0.113.8"));
        expect(check.value).toBeNull();
        const fail = await timed(() => throttle.recordFailure("frozen@example.com", "203.0.113.8"));
        durations.push(check.ms, fail.ms);
        locked = fail.value.locked;
      }
      // The in-process insurance limiter took over: the 6th failure still locks the pair.
      expect(locked).toMatchObject({ scope: "ACCOUNT_IP", failures: 6 });
      // Locked for the lock duration (120 s), not just the rest of the 60 s counting window.
      expect(await throttle.check("frozen@example.com", "203.0.113.8")).toEqual({
        scope: "ACCOUNT_IP",
        retryAfterSeconds: 120,
      });
      console.log(
        `throttle calls during a Redis freeze: max ${Math.max(...durations).toFixed(0)} ms over ${durations.length} calls`,
      );
      expect(Math.max(...durations)).toBeLessThan(400);
    } finally {
      server.thaw();
    }
  });

  it("answers at once while Redis is down, and uses Redis again once it is back", async () => {
    const throttle = createLoginThrottle({ ...SETTINGS, freeFailures: 100 }, { redis, keyPrefix: "t3:" });
    await server.stop();
    try {
      const down = await timed(async () => {
        for (let i = 0; i < 3; i++) await throttle.recordFailure("down@example.com", "203.0.113.9");
        return throttle.check("down@example.com", "203.0.113.9");
      });
      expect(down.value).toBeNull();
      console.log(`4 throttle calls with Redis stopped: ${down.ms.toFixed(0)} ms`);
      expect(down.ms).toBeLessThan(400);
    } finally {
      await server.start();
    }
    await waitForRedis(redis, 5_000);
    for (let i = 0; i < 20 && redis.status !== "ready"; i++) await sleep(100);
    await throttle.recordFailure("back@example.com", "203.0.113.9");
    expect(await redis.keys("t3:login:ip*")).toHaveLength(1);
  });
});
