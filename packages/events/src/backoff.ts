import { backoffDelayMs } from "@shopgraph/util";

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

/** Delay before the next try after `attempt` failures (1-based): the shared equal-jitter backoff of @shopgraph/util. */
export function retryDelayMs(
  attempt: number,
  policy: Pick<RetryPolicy, "baseMs" | "maxMs">,
  random: () => number = Math.random,
): number {
  return backoffDelayMs(attempt, policy, random);
}

/** Resolves after `ms`, or at once when `signal` aborts (the one copy lives in @shopgraph/util). */
export { sleep } from "@shopgraph/util";
