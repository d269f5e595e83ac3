import type { KeyValueCache, KeyValueCacheSetOptions } from "@apollo/utils.keyvaluecache";
import type { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import { redisGuard, type RedisGuardOptions } from "./redis-guard.ts";

/** Default TTL when a caller gives none: nothing in Redis lives forever. */
const DEFAULT_TTL_SECONDS = 24 * 60 * 60;

/**
 * Apollo's KeyValueCache over ioredis with a key prefix and a TTL on every entry. Every call goes
 * through the client's {@link redisGuard}: it answers within the deadline or rejects, and rejects at
 * once while Redis is down; wrap it in `ErrorsAreMissesCache` to turn that into a miss.
 */
export class RedisKeyValueCache implements KeyValueCache<string> {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #guard;
  readonly #use: string;
  constructor(redis: Redis, prefix: string, options: RedisGuardOptions & { use?: string } = {}) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#guard = redisGuard(redis, options);
    this.#use = options.use ?? "kv";
  }
  async get(key: string): Promise<string | undefined> {
    return (await this.#guard.run(this.#use, () => this.#redis.get(this.#prefix + key))) ?? undefined;
  }
  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const ttl = options?.ttl ?? DEFAULT_TTL_SECONDS;
    await this.#guard.run(this.#use, () =>
      this.#redis.set(this.#prefix + key, value, "EX", Math.max(1, Math.ceil(ttl))),
    );
  }
  async delete(key: string): Promise<boolean> {
    return (await this.#guard.run(this.#use, () => this.#redis.del(this.#prefix + key))) > 0;
  }
}

/** In-process KeyValueCache (embedded mode): least-recently-used eviction at `maxEntries`, TTL per entry. */
export class MemoryKeyValueCache implements KeyValueCache<string> {
  readonly #entries: LRUCache<string, string>;
  constructor(maxEntries = 10_000) {
    this.#entries = new LRUCache({ max: maxEntries, ttl: DEFAULT_TTL_SECONDS * 1000, ttlAutopurge: false });
  }
  async get(key: string): Promise<string | undefined> {
    return this.#entries.get(key);
  }
  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    this.#entries.set(key, value, { ttl: Math.max(1, (options?.ttl ?? DEFAULT_TTL_SECONDS) * 1000) });
  }
  async delete(key: string): Promise<boolean> {
    return this.#entries.delete(key);
  }
}

/**
 * Fail-open wrapper for a cache on a request path: a failed read is a miss, a failed write or
 * delete is skipped. Apollo's ErrorsAreMissesCache covers reads only, and a failed APQ write would
 * otherwise log one warning per request for the whole outage (the guard logs the outage once).
 */
export class FailOpenKeyValueCache implements KeyValueCache<string> {
  readonly #inner: KeyValueCache<string>;
  constructor(inner: KeyValueCache<string>) {
    this.#inner = inner;
  }
  async get(key: string): Promise<string | undefined> {
    return this.#inner.get(key).catch(() => undefined);
  }
  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    await this.#inner.set(key, value, options).catch(() => {});
  }
  async delete(key: string): Promise<boolean | void> {
    return this.#inner.delete(key).catch(() => false);
  }
}
