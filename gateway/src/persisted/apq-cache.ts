import type { KeyValueCache } from "@apollo/utils.keyvaluecache";
import {
  FailOpenKeyValueCache,
  MemoryKeyValueCache,
  RedisKeyValueCache,
  type Redis,
  type RedisGuardOptions,
} from "@shopgraph/kv";

/**
 * The APQ store: Redis when configured (shared by every gateway replica), in-process otherwise.
 * A Redis outage or freeze turns lookups into misses within the command deadline — clients resend
 * the full query (PERSISTED_QUERY_NOT_FOUND, then the query with its hash) — and registrations are
 * skipped; no request fails because of Redis. Apollo Server itself prefixes APQ keys with "apq:".
 */
export function createApqCache(
  redis: Redis | undefined,
  prefix: string,
  options: RedisGuardOptions = {},
): KeyValueCache<string> {
  if (!redis) return new MemoryKeyValueCache(10_000);
  return new FailOpenKeyValueCache(new RedisKeyValueCache(redis, prefix, { ...options, use: "apq" }));
}
