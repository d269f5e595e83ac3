/** Retry schedule: exponential from `baseMs`, capped at `maxMs`. */
export interface RetryPolicy {
  /** Attempts before an event (or delivery) is dead-lettered. */
  maxAttempts: number;
  /** Delay after the first failure. */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
}

/** Defaults for event handling: 5 attempts, 1 s doubling to at most 5 min. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseMs: 1_000, maxMs: 5 * 60_000 };

/**
 * Delay before the next try after `attempt` failures (1-based), with "equal jitter": half the
 * exponential delay is fixed, half random. Jitter spreads retries of many consumers that failed
 * together (a dependency outage) so they do not hammer it again in lockstep.
 */
export function retryDelayMs(attempt: number, policy: Pick<RetryPolicy, "baseMs" | "maxMs">, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Resolves after `ms`, or at once when `signal` aborts (loops stop promptly on shutdown). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
