import type { Redis } from "@shopgraph/kv";

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

// One round trip, atomic: add the points, start the window on first use, report usage and TTL.
const CONSUME = `
local used = redis.call('INCRBY', KEYS[1], ARGV[1])
if used == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); ttl = tonumber(ARGV[2]) end
return { used, ttl }`;

/** Redis-backed store (key prefix per deployment/test). */
export function createRedisRateLimitStore(redis: Redis, prefix: string): RateLimitStore {
  return {
    async consume(key, points, limit, windowMs) {
      const [used, ttl] = (await redis.eval(CONSUME, 1, `${prefix}rl:${key}`, points, windowMs)) as [number, number];
      return { allowed: used <= limit, used, resetMs: ttl };
    },
  };
}

/** In-process store for embedded mode (one gateway process). Expired windows are swept lazily. */
export function createMemoryRateLimitStore(maxKeys = 100_000): RateLimitStore {
  const windows = new Map<string, { used: number; resetAt: number }>();
  return {
    async consume(key, points, limit, windowMs) {
      const now = Date.now();
      let entry = windows.get(key);
      if (!entry || entry.resetAt <= now) {
        if (windows.size >= maxKeys) for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
        entry = { used: 0, resetAt: now + windowMs };
        windows.set(key, entry);
      }
      entry.used += points;
      return { allowed: entry.used <= limit, used: entry.used, resetMs: entry.resetAt - now };
    },
  };
}
