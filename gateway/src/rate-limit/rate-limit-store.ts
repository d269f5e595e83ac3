import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { RateLimiterAbstract, RateLimiterStoreAbstract } from "rate-limiter-flexible";
import { redisGuard, type GuardLogger, type Redis, type RedisGuardOptions } from "@shopgraph/kv";

/** The outcome of spending from a bucket. */
export interface Consumption {
  allowed: boolean;
  /** Points spent in the current window, this request included. */
  used: number;
  /** Milliseconds until the window resets. */
  resetMs: number;
}

/** Fixed-window counters keyed by bucket; shared by every replica when backed by Redis. */
export interface RateLimitStore {
  consume(key: string, points: number, limit: number, windowMs: number): Promise<Consumption>;
}

// rate-limiter-flexible counts in whole seconds (Redis EX): a window is rounded up to one.
const windowSeconds = (windowMs: number) => Math.max(1, Math.ceil(windowMs / 1000));

/** One limiter per (limit, window) pair: rate-limiter-flexible fixes both per instance. */
function limiters<L>(
  make: (limit: number, seconds: number, keyPrefix: string) => L,
): (limit: number, windowMs: number) => L {
  const made = new Map<string, L>();
  return (limit, windowMs) => {
    const id = `${limit}:${windowSeconds(windowMs)}`;
    let limiter = made.get(id);
    if (!limiter) made.set(id, (limiter = make(limit, windowSeconds(windowMs), id)));
    return limiter;
  };
}

/** Spends points; a rejection for "over the limit" is an answer, anything else (the store failed) throws. */
async function spend(
  limiter: RateLimiterAbstract | RateLimiterStoreAbstract,
  key: string,
  points: number,
): Promise<Consumption> {
  try {
    const res = await limiter.consume(key, points);
    return { allowed: true, used: res.consumedPoints, resetMs: res.msBeforeNext };
  } catch (outcome) {
    if (outcome instanceof RateLimiterRes)
      return { allowed: false, used: outcome.consumedPoints, resetMs: outcome.msBeforeNext };
    throw outcome;
  }
}

/**
 * In-process store (embedded mode, and the Redis store's fallback): rate-limiter-flexible's
 * memory limiter, O(1) per request, each key dropped when its window ends, so memory follows the
 * keys active in one window rather than every key ever seen.
 */
export function createMemoryRateLimitStore(): RateLimitStore {
  const memory = limiters((points, duration, id) => new RateLimiterMemory({ points, duration, keyPrefix: `rl:${id}` }));
  return { consume: (key, points, limit, windowMs) => spend(memory(limit, windowMs), key, points) };
}

/** Options for {@link createRedisRateLimitStore}. */
export interface RedisRateLimitStoreOptions extends RedisGuardOptions {
  /** Told once per outage that limits are enforced per process (and again after 60 s if it lasts). */
  logger?: GuardLogger;
}

/**
 * Redis-backed store shared by every replica (rate-limiter-flexible's RateLimiterRedis, key prefix
 * per deployment). Every call runs through the client's {@link redisGuard}: within the command
 * deadline, or at once while Redis is down. When Redis cannot answer, the same limits are enforced
 * by an in-process limiter instead (per replica, so up to N× the budget with N replicas), never by
 * letting everything through and never by failing the request.
 */
export function createRedisRateLimitStore(
  redis: Redis,
  prefix: string,
  options: RedisRateLimitStoreOptions = {},
): RateLimitStore {
  const guard = redisGuard(redis, options);
  const shared = limiters(
    (points, duration, id) =>
      new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}rl:${id}`, points, duration }),
  );
  const fallback = createMemoryRateLimitStore();
  let toldAt = 0;
  return {
    async consume(key, points, limit, windowMs) {
      try {
        // The client's key is a Redis Cluster hash tag: all of one client's limits share a slot.
        return await guard.run("rate-limit", () => spend(shared(limit, windowMs), `{${key}}`, points));
      } catch (error) {
        if (Date.now() - toldAt > 60_000) {
          toldAt = Date.now();
          options.logger?.warn({ err: error }, "rate limits enforced per process: Redis unavailable");
        }
        return fallback.consume(key, points, limit, windowMs);
      }
    },
  };
}
