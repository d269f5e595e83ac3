/** Exponential backoff: `baseMs` after the first failure, doubling, never above `maxMs`. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/**
 * The one jitter formula: the delay before the next try after `attempt` failures (1-based) is
 * "equal jitter", half of the exponential delay fixed and half random. The random half spreads
 * retries of many clients that failed together (a dependency outage) so they do not hammer it again
 * in lockstep; the fixed half keeps a retry from following its failure at once.
 */
export function backoffDelayMs(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
