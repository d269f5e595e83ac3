import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { isReachable, requireOrFallback } from "./reachability.ts";

/** The Redis server tests use (each test file under its own key prefix). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A test-owned slice of Redis; `url` is undefined when the in-process fallback must be used. */
export interface TestRedis {
  url: string | undefined;
  prefix: string;
  /** Deletes every key under the prefix. */
  cleanup(): Promise<void>;
}

/** Provisions a unique key prefix on the real Redis, or reports the fallback (outside CI). */
export async function provisionRedis(): Promise<TestRedis> {
  const prefix = `sgt:${randomBytes(4).toString("hex")}:`;
  if (!(await isReachable(TEST_REDIS_URL, 6379))) {
    requireOrFallback("Redis", TEST_REDIS_URL);
    return { url: undefined, prefix, cleanup: async () => {} };
  }
  return {
    url: TEST_REDIS_URL,
    prefix,
    async cleanup() {
      const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
      await redis.connect();
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== "0");
      await redis.quit();
    },
  };
}
