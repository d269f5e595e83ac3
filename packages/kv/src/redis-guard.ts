import { ReplyError, type Redis } from "ioredis";
import { counter, gauge } from "@shopgraph/metrics";
import { DEFAULT_REDIS_COMMAND_TIMEOUT_MS } from "./redis.ts";

/** Raised instead of calling Redis while it is known to be unreachable or silent. */
export class RedisUnavailableError extends Error {
  override readonly name = "RedisUnavailableError";
  readonly code = "REDIS_UNAVAILABLE";
}

/** The part of a pino logger the guard uses. */
export interface GuardLogger {
  warn(details: object, message: string): void;
  info(message: string): void;
}

/** Options for {@link redisGuard}. */
export interface RedisGuardOptions {
  /** Deadline of one guarded call. Default 50 ms (REDIS_COMMAND_TIMEOUT_MS). */
  timeoutMs?: number;
  /** How often a background PING checks whether a tripped Redis answers again. Default 250 ms. */
  probeMs?: number;
  /** Where trips and recoveries are logged (once each, not per request). */
  logger?: GuardLogger;
}

/** Request-path access to one Redis client: deadline, fail fast while it is down. */
export interface RedisGuard {
  /**
   * Runs `command` within the deadline. Rejects at once with {@link RedisUnavailableError} while
   * the connection is down or a recent call timed out; callers turn that into their fail-open answer.
   */
  run<T>(use: string, command: () => Promise<T>): Promise<T>;
  /** False between a failed call and the next successful probe. */
  readonly available: boolean;
}

const failOpen = counter({
  name: "redis_fail_open_total",
  help: "Request-path Redis calls answered without Redis (stopped, frozen, too slow): the use failed open.",
  labelNames: ["use"] as const,
});
const availableGauge = gauge({
  name: "redis_request_path_available",
  help: "1 while the request-path Redis answers, 0 while its guard is tripped.",
});

// One guard per client, shared by every use of it (rate limits, APQ, caches): a timeout seen by
// one use spares the others the same wait. Keyed on the client, so nothing global outlives it.
const guards = new WeakMap<Redis, RedisGuard>();

/**
 * The guard of a request-path client. A frozen Redis keeps its TCP connection open and ioredis
 * reports it ready, so a deadline alone would make every request wait the deadline: after one
 * failed call the guard trips, answers "unavailable" without touching Redis, and a background PING
 * (never a live request) decides when to close again. Hand-written rather than cockatiel's breaker
 * because cockatiel's half-open state lets a live request be the probe, and on a request path that
 * request pays the full deadline; this is ~40 lines with no policy beyond "one failure trips".
 * Redis' own error replies (a wrong type, a script error) are answers, not outages: they never trip.
 */
export function redisGuard(redis: Redis, options: RedisGuardOptions = {}): RedisGuard {
  const existing = guards.get(redis);
  if (existing) return existing;
  const timeoutMs = options.timeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
  const probeMs = options.probeMs ?? 250;
  let tripped = false;
  let probe: NodeJS.Timeout | undefined;

  // The rejection waits one setImmediate past the deadline: after an event-loop stall (GC, a busy
  // host) timers run before pending I/O, so a reply already in the socket would otherwise lose to
  // the timer and a healthy Redis would trip the guard. setImmediate runs after that I/O.
  const withDeadline = <T>(command: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const expire = () => reject(new RedisUnavailableError(`Redis did not answer within ${timeoutMs} ms`));
      const timer = setTimeout(() => setImmediate(expire), timeoutMs);
      command().then(
        (value) => (clearTimeout(timer), resolve(value)),
        (error: unknown) => (clearTimeout(timer), reject(error)),
      );
    });

  function trip(use: string, error: unknown): void {
    if (tripped) return;
    tripped = true;
    availableGauge.set(0);
    options.logger?.warn(
      { err: error, use },
      "redis unavailable: request-path features fail open until it answers again",
    );
    probe = setInterval(() => {
      if (redis.status !== "ready") return;
      withDeadline(() => redis.ping()).then(
        () => {
          if (!tripped) return;
          tripped = false;
          availableGauge.set(1);
          clearInterval(probe);
          options.logger?.info("redis answers again: request-path features use it");
        },
        () => {},
      );
    }, probeMs);
    probe.unref();
  }
  // A client closed for good stops the probe with it.
  redis.once("end", () => clearInterval(probe));

  const guard: RedisGuard = {
    async run(use, command) {
      if (redis.status !== "ready") {
        const error = new RedisUnavailableError(`Redis connection is ${redis.status}`);
        trip(use, error);
        failOpen.inc({ use });
        throw error;
      }
      if (tripped) {
        failOpen.inc({ use });
        throw new RedisUnavailableError("Redis is unavailable (a recent call failed)");
      }
      try {
        return await withDeadline(command);
      } catch (error) {
        if (error instanceof ReplyError) throw error;
        trip(use, error);
        failOpen.inc({ use });
        if (error instanceof RedisUnavailableError) throw error;
        // The connection broke under this call (the server went away before ioredis noticed:
        // MaxRetriesPerRequestError, "Connection is closed"): an outage like the others, so callers
        // get the one error they fail open on, with ioredis' own as its cause.
        throw new RedisUnavailableError(`Redis call failed: ${(error as Error).message}`, { cause: error });
      }
    },
    get available() {
      return !tripped && redis.status === "ready";
    },
  };
  guards.set(redis, guard);
  if (redis.status === "ready") availableGauge.set(1);
  return guard;
}
