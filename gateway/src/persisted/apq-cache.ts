import { ErrorsAreMissesCache, type KeyValueCache } from "@apollo/utils.keyvaluecache";
import { MemoryKeyValueCache, RedisKeyValueCache, type Redis } from "@shopgraph/kv";

/**
 * The APQ store: Redis when configured (shared by every gateway replica), in-process otherwise.
 * A Redis outage turns lookups into misses — clients resend the full query — instead of errors.
 * Apollo Server itself prefixes APQ keys with "apq:".
 */
export function createApqCache(redis: Redis | undefined, prefix: string): KeyValueCache<string> {
  const inner = redis ? new RedisKeyValueCache(redis, prefix) : new MemoryKeyValueCache(10_000);
  return new ErrorsAreMissesCache(inner);
}
