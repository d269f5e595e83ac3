import { LRUCache } from "lru-cache";
import { redisGuard, type Redis, type RedisGuardOptions } from "@shopgraph/kv";

/**
 * One key as read: its cached value (null on a miss) and the version the key had at that moment;
 * a null version means no fill may follow (caching is off), so the reader skips encoding one.
 */
export interface CacheRead {
  value: string | null;
  version: string | null;
}

/** A value to store, guarded by the version read before the database was queried. */
export interface CacheFill {
  key: string;
  value: string;
  version: string;
  ttlSeconds: number;
}

/**
 * A versioned key-value store for cache-aside. Every invalidation bumps the key's version, and a
 * fill only lands while the version is still the one read before the database query. That closes
 * the classic race where a reader fetches the old row, a writer commits and invalidates, and the
 * reader then writes the old row back into the cache for a whole TTL.
 */
export interface EntityCache {
  read(keys: readonly string[]): Promise<CacheRead[]>;
  fill(entries: readonly CacheFill[]): Promise<void>;
  invalidate(keys: readonly string[]): Promise<void>;
}

/** Versions outlive every entry and every in-flight read by far; nothing in Redis lives forever. */
const VERSION_TTL_SECONDS = 24 * 60 * 60;

// KEYS alternate entry key / version key; ARGV holds ttl, value, expected version per entry.
const FILL_SCRIPT = `
for i = 1, #KEYS, 2 do
  local j = (i - 1) / 2 * 3
  if (redis.call('GET', KEYS[i + 1]) or '0') == ARGV[j + 3] then
    redis.call('SET', KEYS[i], ARGV[j + 2], 'EX', ARGV[j + 1])
  end
end
return 0`;

/** Most keys whose invalidation waits for Redis to return; beyond it the oldest are dropped (and logged). */
const MAX_PENDING_INVALIDATIONS = 10_000;

/**
 * The shared cache in Redis: every subgraph instance sees the same entries and invalidations.
 * Every call runs through the client's {@link redisGuard} (deadline, fail fast while Redis is down),
 * so an outage or a freeze makes reads misses and fills no-ops. An invalidation that fails is kept
 * and retried (before this instance's next read, and every second) so an entry written before a
 * freeze cannot outlive the write that changed it once Redis answers again.
 */
export function createRedisEntityCache(redis: Redis, prefix: string, options: RedisGuardOptions = {}): EntityCache {
  const guard = redisGuard(redis, options);
  // Each entry and its version share a Redis Cluster hash tag (the entity key), so the pair lives
  // in one slot; calls over several entities still need one call per slot on a cluster.
  const entry = (key: string) => `${prefix}{${key}}`;
  const version = (key: string) => `${prefix}v:{${key}}`;
  const pending = new Set<string>();
  let retry: NodeJS.Timeout | undefined;

  const invalidateNow = (keys: readonly string[]) =>
    guard.run("entity-cache", async () => {
      const multi = redis.multi();
      for (const key of keys) multi.incr(version(key)).expire(version(key), VERSION_TTL_SECONDS).del(entry(key));
      const results = await multi.exec();
      for (const [error] of results ?? []) if (error) throw error;
    });

  async function flushPending(): Promise<void> {
    if (pending.size === 0) return;
    const keys = [...pending];
    await invalidateNow(keys);
    for (const key of keys) pending.delete(key);
    if (pending.size === 0) {
      clearInterval(retry);
      retry = undefined;
    }
  }

  function remember(keys: readonly string[]): void {
    for (const key of keys) pending.add(key);
    for (const key of pending) {
      if (pending.size <= MAX_PENDING_INVALIDATIONS) break;
      pending.delete(key);
      options.logger?.warn(
        { key },
        "too many invalidations waiting for Redis: this entry may stay stale until its TTL",
      );
    }
    retry ??= setInterval(() => void flushPending().catch(() => {}), 1_000);
    retry.unref();
  }

  return {
    async read(keys) {
      if (keys.length === 0) return [];
      // Invalidations this instance could not deliver go first; until they land, nothing is read.
      await flushPending();
      // One round trip for values and versions alike.
      const values = await guard.run("entity-cache", () => redis.mget(...keys.map(entry), ...keys.map(version)));
      return keys.map((_, i) => ({ value: values[i] ?? null, version: values[keys.length + i] ?? "0" }));
    },
    async fill(entries) {
      if (entries.length === 0) return;
      const keys = entries.flatMap((e) => [entry(e.key), version(e.key)]);
      const args = entries.flatMap((e) => [String(Math.max(1, Math.round(e.ttlSeconds))), e.value, e.version]);
      await guard.run("entity-cache", () => redis.eval(FILL_SCRIPT, keys.length, ...keys, ...args));
    },
    async invalidate(keys) {
      if (keys.length === 0) return;
      try {
        await invalidateNow(keys);
      } catch (error) {
        remember(keys);
        throw error;
      }
    },
  };
}

/** The in-process cache used when no REDIS_URL is configured (single instance, embedded mode): LRU with a TTL per entry. */
export function createMemoryEntityCache(maxEntries = 20_000): EntityCache {
  const entries = new LRUCache<string, string>({ max: maxEntries });
  const versions = new Map<string, number>();
  const versionOf = (key: string) => String(versions.get(key) ?? 0);
  return {
    async read(keys) {
      return keys.map((key) => ({ value: entries.get(key) ?? null, version: versionOf(key) }));
    },
    async fill(fills) {
      for (const fill of fills) {
        if (versionOf(fill.key) !== fill.version) continue;
        entries.set(fill.key, fill.value, { ttl: Math.max(1, fill.ttlSeconds * 1000) });
      }
    },
    async invalidate(keys) {
      for (const key of keys) {
        versions.set(key, (versions.get(key) ?? 0) + 1);
        entries.delete(key);
      }
    },
  };
}

/**
 * No caching at all (CACHE_ENABLED=false): every read misses without a version, so nothing is
 * encoded for a fill that would be dropped; fills and invalidations do nothing.
 */
export function createDisabledEntityCache(): EntityCache {
  return {
    read: async (keys) => keys.map(() => ({ value: null, version: null })),
    fill: async () => {},
    invalidate: async () => {},
  };
}
