import { Redis } from "ioredis";
import { observeRevocationList } from "./auth-metrics.ts";
import { createRevocationList, type RevocationList, type RevocationLogger } from "./revocation-list.ts";
import {
  createHttpRevocationStore,
  createMemoryRevocationStore,
  createRedisRevocationStore,
  type RevocationStore,
} from "./revocation-store.ts";

/** The settings {@link startRevocations} reads from a process's validated config. */
export interface RevocationSettings {
  REDIS_URL?: string | undefined;
  REDIS_KEY_PREFIX: string;
  REVOCATION_POLL_MS: number;
  REVOCATIONS_URL?: string | undefined;
  /** Readers without Redis: derive the users feed from it (…/revocations beside the JWKS). */
  JWKS_URL?: string | undefined;
  SERVICE_TOKEN?: string | undefined;
}

/** Options for {@link startRevocations}. */
export interface StartRevocationsOptions {
  /** `publisher`: the users subgraph (writes; serves its memory store when there is no Redis). */
  role: "publisher" | "reader";
  logger: RevocationLogger & { error?(obj: object, msg: string): void };
  /** Publisher: how long a revocation must be kept (access-token TTL + clock tolerance), ms. */
  tokenLifetimeMs?: number;
}

/** A started revocation list that owns its store connection. */
export interface RunningRevocations extends RevocationList {
  readonly store: RevocationStore | undefined;
  /** Stops polling and closes the Redis connection it opened. */
  stop(): Promise<void>;
}

/** How long readers of the users feed stay quiet about it while it has never answered yet. */
const HTTP_FEED_STARTUP_GRACE_MS = 180_000;

/** The users feed beside a JWKS URL: http://users:4001/.well-known/jwks.json → http://users:4001/revocations. */
export function defaultRevocationsUrl(jwksUrl: string): string {
  return new URL("/revocations", jwksUrl).href;
}

/**
 * Builds and starts a process's revocation list: a Redis stream when REDIS_URL is set (its own
 * connection, so the poll never competes with request-path commands), otherwise the publisher's
 * memory (served over HTTP) and the readers' poll of that feed.
 */
export async function startRevocations(
  settings: RevocationSettings,
  options: StartRevocationsOptions,
): Promise<RunningRevocations> {
  const tokenLifetimeMs = options.tokenLifetimeMs ?? 15 * 60_000 + 30_000;
  const connections: Redis[] = [];
  let store: RevocationStore | undefined;
  if (settings.REDIS_URL) {
    const url = settings.REDIS_URL;
    const connect = () => {
      // Fail fast while Redis is away: the list keeps what it knows and retries. The command
      // timeout leaves room for the blocking read (REVOCATION_POLL_MS ≤ 4 s).
      const redis = new Redis(url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: settings.REVOCATION_POLL_MS + 2_000,
        connectTimeout: 2_000,
        retryStrategy: (n) => Math.min(n * 200, 2_000),
      });
      redis.on("error", () => {}); // reported once per outage by the list's sync, not per reconnect attempt
      connections.push(redis);
      return redis;
    };
    const reader = connect();
    // The reader's connection sits in a blocking XREAD: a publisher writes over its own.
    const writer = options.role === "publisher" ? connect() : reader;
    store = createRedisRevocationStore(reader, settings.REDIS_KEY_PREFIX, tokenLifetimeMs, writer);
  } else if (options.role === "publisher") {
    store = createMemoryRevocationStore();
  } else {
    const url = settings.REVOCATIONS_URL ?? (settings.JWKS_URL ? defaultRevocationsUrl(settings.JWKS_URL) : undefined);
    if (url) store = createHttpRevocationStore({ url, serviceToken: settings.SERVICE_TOKEN });
  }
  await Promise.all(
    connections.map(
      (redis) =>
        new Promise<void>((resolve) =>
          redis.status === "ready" ? resolve() : redis.once("ready", resolve).once("error", () => resolve()),
        ),
    ),
  );
  const list = createRevocationList({
    store,
    pollIntervalMs: settings.REVOCATION_POLL_MS,
    tokenLifetimeMs,
    logger: options.logger,
    restoreLostEntries: options.role === "publisher",
    // The users feed (no Redis: pnpm start) comes up with its readers, not before them; within the
    // supervisor's readiness limit (180 s) a reader that started first is waiting, not broken.
    ...(store?.kind === "http" ? { startupGraceMs: HTTP_FEED_STARTUP_GRACE_MS } : {}),
  });
  await list.start();
  // Local-only lists (no store) have nothing to go stale.
  const unobserve = store ? observeRevocationList(list) : () => {};
  return {
    ...list,
    store,
    async stop() {
      list.close();
      unobserve();
      // quit() would wait behind the reader's blocking XREAD; nothing is left to flush on these connections.
      for (const redis of connections) redis.disconnect();
    },
  };
}
