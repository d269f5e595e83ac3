import type { KeyValueCache, KeyValueCacheSetOptions } from "@apollo/utils.keyvaluecache";
import type { Redis } from "ioredis";

/** Default TTL when a caller gives none: nothing in Redis lives forever. */
const DEFAULT_TTL_SECONDS = 24 * 60 * 60;

/** Apollo's KeyValueCache over ioredis with a key prefix and a TTL on every entry. */
export class RedisKeyValueCache implements KeyValueCache<string> {
  readonly #redis: Redis;
  readonly #prefix: string;
  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }
  async get(key: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#prefix + key)) ?? undefined;
  }
  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const ttl = options?.ttl ?? DEFAULT_TTL_SECONDS;
    await this.#redis.set(this.#prefix + key, value, "EX", Math.max(1, Math.ceil(ttl)));
  }
  async delete(key: string): Promise<boolean> {
    return (await this.#redis.del(this.#prefix + key)) > 0;
  }
}

/** In-process KeyValueCache (embedded mode): bounded entry count, TTL honoured on read. */
export class MemoryKeyValueCache implements KeyValueCache<string> {
  readonly #entries = new Map<string, { value: string; expiresAt: number }>();
  readonly #maxEntries: number;
  constructor(maxEntries = 10_000) {
    this.#maxEntries = maxEntries;
  }
  async get(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }
  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    if (this.#entries.size >= this.#maxEntries && !this.#entries.has(key)) {
      // Maps iterate in insertion order: dropping the first entry evicts the oldest write.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { value, expiresAt: Date.now() + (options?.ttl ?? DEFAULT_TTL_SECONDS) * 1000 });
  }
  async delete(key: string): Promise<boolean> {
    return this.#entries.delete(key);
  }
}
