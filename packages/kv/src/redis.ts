import { once } from "node:events";
import { Redis } from "ioredis";

export type { Redis };

/** Default deadline of one request-path Redis command (REDIS_COMMAND_TIMEOUT_MS). */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 50;

/** Options for {@link createRedis}. */
export interface RequestRedisOptions {
  /** Deadline of a request-path command (kept by {@link redisGuard}; the client times out at twice it). Default 50 ms. */
  commandTimeoutMs?: number;
  /** Deadline of one connection attempt (TCP + handshake). Default 1 s. */
  connectTimeoutMs?: number;
}

/**
 * A Redis connection for request paths (rate limits, APQ, entity caches). Waiting for Redis is
 * worse than doing without it there, so nothing queues: while disconnected a command fails at once
 * (no offline queue, no retry of in-flight commands), and a connected but silent Redis (frozen,
 * overloaded) fails each command at its deadline. The connection itself reconnects forever with a
 * backoff capped at 1 s, so the features come back by themselves.
 */
export function createRedis(url: string, options: RequestRedisOptions = {}): Redis {
  return new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // The request-path deadline itself is kept by redisGuard (robust to event-loop stalls); this
    // backstop at twice it frees ioredis' queue and bounds any use that bypasses the guard.
    commandTimeout: 2 * (options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS),
    connectTimeout: options.connectTimeoutMs ?? 1_000,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  });
}

/**
 * Resolves once the client is ready, or after `timeoutMs` in any case: start-up may wait a moment
 * for Redis (the first requests would otherwise all fail open) but never depends on it.
 */
export async function waitForRedis(redis: Redis, timeoutMs = 2_000): Promise<boolean> {
  if (redis.status === "ready") return true;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    await once(redis, "ready", { signal: timeout });
    return true;
  } catch {
    return false;
  }
}
