import type { Redis } from "@shopgraph/kv";

/** One key as read: its cached value (null on a miss) and the version the key had at that moment. */
export interface CacheRead {
  value: string | null;
  version: string;
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

/** The shared cache in Redis: every subgraph instance sees the same entries and invalidations. */
export function createRedisEntityCache(redis: Redis, prefix: string): EntityCache {
  const entry = (key: string) => `${prefix}${key}`;
  const version = (key: string) => `${prefix}v:${key}`;
  return {
    async read(keys) {
      if (keys.length === 0) return [];
      // One round trip for values and versions alike.
      const values = await redis.mget(...keys.map(entry), ...keys.map(version));
      return keys.map((_, i) => ({ value: values[i] ?? null, version: values[keys.length + i] ?? "0" }));
    },
    async fill(entries) {
      if (entries.length === 0) return;
      const keys = entries.flatMap((e) => [entry(e.key), version(e.key)]);
      const args = entries.flatMap((e) => [String(Math.max(1, Math.round(e.ttlSeconds))), e.value, e.version]);
      await redis.eval(FILL_SCRIPT, keys.length, ...keys, ...args);
    },
    async invalidate(keys) {
      if (keys.length === 0) return;
      const multi = redis.multi();
      for (const key of keys) multi.incr(version(key)).expire(version(key), VERSION_TTL_SECONDS).del(entry(key));
      await multi.exec();
    },
  };
}

/** The in-process cache used when no REDIS_URL is configured (single instance, embedded mode). */
export function createMemoryEntityCache(maxEntries = 20_000): EntityCache {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const versions = new Map<string, number>();
  const versionOf = (key: string) => String(versions.get(key) ?? 0);
  return {
    async read(keys) {
      const now = Date.now();
      return keys.map((key) => {
        const hit = entries.get(key);
        if (hit && hit.expiresAt <= now) entries.delete(key);
        return { value: hit && hit.expiresAt > now ? hit.value : null, version: versionOf(key) };
      });
    },
    async fill(fills) {
      for (const fill of fills) {
        if (versionOf(fill.key) !== fill.version) continue;
        if (entries.size >= maxEntries && !entries.has(fill.key)) {
          // Maps iterate in insertion order: the first key is the oldest write.
          const oldest = entries.keys().next().value;
          if (oldest !== undefined) entries.delete(oldest);
        }
        entries.set(fill.key, { value: fill.value, expiresAt: Date.now() + fill.ttlSeconds * 1000 });
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

/** No caching at all (CACHE_ENABLED=false): every read misses, fills and invalidations do nothing. */
export function createDisabledEntityCache(): EntityCache {
  return {
    read: async (keys) => keys.map(() => ({ value: null, version: "0" })),
    fill: async () => {},
    invalidate: async () => {},
  };
}
