import { Redis } from "ioredis";

export type { Redis };

/**
 * Connects to Redis with settings suited to request paths: commands fail fast while the
 * connection is down (no unbounded offline queue) and reconnects back off up to 2 s.
 */
export function createRedis(url: string): Redis {
  return new Redis(url, {
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  });
}
