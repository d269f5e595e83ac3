import { RedisUnavailableError } from "@shopgraph/kv";
import type { Logger } from "@shopgraph/logger";
import type { EntityCache } from "./entity-cache.ts";

/** Options for {@link createCacheAside}. */
export interface CacheAsideOptions<V> {
  cache: EntityCache;
  /** Key namespace within the cache, e.g. "product". */
  namespace: string;
  /** Base TTL; each fill adds up to `jitter` (default 10%) so entries filled together expire apart. */
  ttlSeconds: number;
  jitter?: number;
  /** The database read for the ids the cache missed (one statement for the whole batch). */
  fetch: (ids: readonly string[]) => Promise<V[]>;
  idOf: (value: V) => string;
  serialize: (value: V) => string;
  deserialize: (text: string) => V;
  logger: Logger;
}

/** A cache-aside view over a by-id database read. */
export interface CacheAside<V> {
  /** Values in `ids` order (null where the row does not exist). */
  loadMany(ids: readonly string[]): Promise<(V | null)[]>;
  /** Drops the entries (call after the write committed) and detaches in-flight reads of them. */
  invalidate(ids: readonly string[]): Promise<void>;
}

/**
 * Cache-aside with request coalescing: ids missing from the cache are read from the database in
 * one batch, and concurrent requests for an id already being read join that read instead of
 * issuing their own (a cold key under load costs one query per process, not one per request).
 * Cache failures degrade to database reads: the cache is an optimisation, never a dependency.
 */
export function createCacheAside<V>(options: CacheAsideOptions<V>): CacheAside<V> {
  const { cache, namespace, logger } = options;
  const jitter = options.jitter ?? 0.1;
  const inFlight = new Map<string, Promise<V | null>>();
  const keyOf = (id: string) => `${namespace}:${id}`;

  function decode(text: string): V | undefined {
    try {
      return options.deserialize(text);
    } catch {
      return undefined; // A corrupt or outdated entry is a miss; the fill replaces it.
    }
  }

  async function readCache(ids: readonly string[]) {
    try {
      return await cache.read(ids.map(keyOf));
    } catch (error) {
      // An outage is logged once by the Redis guard, not once per request for as long as it lasts.
      if (!(error instanceof RedisUnavailableError))
        logger.warn({ err: error, namespace }, "cache read failed; reading the database");
      return ids.map(() => ({ value: null, version: null }));
    }
  }

  /** Starts one database read for `ids` and registers it as their in-flight read. */
  function fetchAndFill(ids: string[], versions: Map<string, string | null>): void {
    const batch = options.fetch(ids).then(async (rows) => {
      const byId = new Map(rows.map((row) => [options.idOf(row), row]));
      const fills = rows.flatMap((row) => {
        const id = options.idOf(row);
        const version = versions.get(id);
        if (version === null || version === undefined) return [];
        return [
          {
            key: keyOf(id),
            value: options.serialize(row),
            version,
            ttlSeconds: options.ttlSeconds * (1 + Math.random() * jitter),
          },
        ];
      });
      await cache.fill(fills).catch((error: unknown) => {
        if (!(error instanceof RedisUnavailableError)) logger.warn({ err: error, namespace }, "cache fill failed");
      });
      return byId;
    });
    for (const id of ids) {
      const one = batch.then((byId) => byId.get(id) ?? null);
      inFlight.set(id, one);
      // Only the read that is still registered may unregister itself (an invalidation may have replaced it).
      void one.finally(() => inFlight.get(id) === one && inFlight.delete(id)).catch(() => {});
    }
  }

  return {
    async loadMany(ids) {
      const reads = await readCache(ids);
      const missing = new Map<string, string | null>();
      const hits = ids.map((id, i) => {
        const read = reads[i];
        const hit = read?.value ? decode(read.value) : undefined;
        if (hit === undefined && !inFlight.has(id)) missing.set(id, read?.version ?? null);
        return hit;
      });
      if (missing.size > 0) fetchAndFill([...missing.keys()], missing);
      // Every miss now has a registered in-flight read: another request's or the one just started.
      return Promise.all(hits.map((hit, i) => (hit != null ? Promise.resolve(hit) : inFlight.get(ids[i]!)!)));
    },
    async invalidate(ids) {
      for (const id of ids) inFlight.delete(id);
      try {
        await cache.invalidate(ids.map(keyOf));
      } catch (error) {
        // The Redis cache keeps a failed invalidation and delivers it once Redis answers again.
        logger.warn({ err: error, namespace, ids }, "cache invalidation failed; retried when the cache is back");
      }
    },
  };
}
