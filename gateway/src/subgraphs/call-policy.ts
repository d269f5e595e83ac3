import {
  DelegateBackoff,
  EventEmitter,
  handleWhen,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
  type IDefaultPolicyContext,
  type IFailureEvent,
  type IPolicy,
  type ISuccessEvent,
} from "cockatiel";
import { backoffDelayMs } from "@shopgraph/util";
import type { CircuitBreaker } from "./circuit-breaker.ts";

/** Options for {@link createCallPolicies}. */
export interface CallPolicyOptions {
  /** Per-attempt timeout: the attempt's AbortSignal aborts after this long. */
  timeoutMs: number;
  /** Extra attempts for queries. */
  retries: number;
  /** Retry delay ceiling of the first retry; doubles each attempt (the shared equal jitter, half fixed). */
  retryBaseMs: number;
  breaker: CircuitBreaker;
  /** Whether a failed attempt may be sent again (a query's connection error or 5xx, not a timeout). */
  retryable: (error: unknown) => boolean;
  /** The error a call gets when the circuit lets no call through (the fetcher's, with its metric). */
  circuitOpen: () => Error;
}

/** The policy a subgraph call runs in: `query` resends, `other` (a mutation, an unknown kind) never does. */
export interface CallPolicies {
  query: IPolicy;
  other: IPolicy;
}

/**
 * Timeout, retry and circuit breaker as one composable policy (cockatiel 4): retry outermost, then
 * the breaker (asked before every attempt), then the per-attempt timeout whose AbortSignal the
 * exchange honours. Chosen by measurement (`pnpm bench:policy`, bench/results/policy.md): on the
 * hot path (a call that succeeds) this costs 1.7 µs of CPU per call against 0.4 µs for the
 * hand-written loop and timer it replaced, +5 µs per heavy request of 4 calls, 0.27 % of its ≈ 1.9 ms
 * gateway CPU. `abortOnReturn: false` matters: cockatiel's default aborts every finished call's
 * AbortController, 4× the cost (+5.6 µs per call); nothing listens to a finished attempt's signal.
 *
 * The breaker is the gateway's own {@link CircuitBreaker}, made a cockatiel policy here: cockatiel's
 * circuitBreaker queues every caller behind a half-open probe, cannot be told to probe now by the
 * readiness watch, and has no outcome that leaves it untouched (a 5xx carrying GraphQL errors); the
 * gateway's fails fast meanwhile and lets the fetcher record each attempt's outcome.
 */
export function createCallPolicies(options: CallPolicyOptions): CallPolicies {
  const perAttempt = timeout(options.timeoutMs, { strategy: TimeoutStrategy.Cooperative, abortOnReturn: false });
  const breaker = breakerGate(options.breaker, options.circuitOpen);
  const resend = retry(handleWhen(options.retryable), {
    maxAttempts: options.retries,
    backoff: new DelegateBackoff(({ attempt }) =>
      backoffDelayMs(attempt, { baseMs: options.retryBaseMs, maxMs: options.retryBaseMs * 2 ** options.retries }),
    ),
  });
  return { query: wrap(resend, breaker, perAttempt), other: wrap(breaker, perAttempt) };
}

const neverAborted = new AbortController().signal;

/** A policy that lets a call through only when `breaker` does (in half-open, one probe at a time). */
function breakerGate(breaker: CircuitBreaker, circuitOpen: () => Error): IPolicy {
  return {
    _altReturn: undefined as never,
    onSuccess: new EventEmitter<ISuccessEvent>().addListener,
    onFailure: new EventEmitter<IFailureEvent>().addListener,
    async execute<T>(fn: (context: IDefaultPolicyContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
      if (!breaker.tryAcquire()) throw circuitOpen();
      return await fn({ signal: signal ?? neverAborted });
    },
  };
}
