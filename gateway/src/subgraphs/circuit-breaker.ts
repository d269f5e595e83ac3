/** Circuit states: closed (calls flow), open (calls fail fast), half-open (one probe allowed). */
export type BreakerState = "closed" | "open" | "half-open";

/** Options for {@link CircuitBreaker}. */
export interface BreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold: number;
  /** Longest the circuit stays open before a probe (the backoff's cap). Default 5 s. */
  openMs: number;
  /** First open period; doubles after each failed probe up to `openMs`. Default 250 ms. */
  firstOpenMs?: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 5, openMs: 5_000, firstOpenMs: 250 };

/**
 * A per-subgraph circuit breaker. While a subgraph is down, requests fail in microseconds
 * instead of each waiting out the timeout. The first probe goes out after a short open period
 * and each failed probe doubles it (capped), so a restarted subgraph is used again within one
 * short period of being ready, while a dead one costs one probe per `openMs` at most. The fetcher
 * also watches the subgraph's /readyz while the circuit is open and calls {@link probeNow} on 200.
 *
 * Written here rather than with cockatiel: cockatiel 4 queues every caller behind the half-open
 * probe (they wait out its timeout when the subgraph hangs), and we need fail-fast there. It
 * composes with cockatiel's retry and timeout as a policy of its own (call-policy.ts).
 */
export class CircuitBreaker {
  readonly #options: Required<BreakerOptions>;
  #state: BreakerState = "closed";
  #failures = 0;
  #openedAt = 0;
  #openFor = 0;
  #probing = false;
  #lastFailure: Error | undefined;

  constructor(options: BreakerOptions = DEFAULT_BREAKER) {
    const firstOpenMs = Math.min(options.firstOpenMs ?? DEFAULT_BREAKER.firstOpenMs!, options.openMs);
    this.#options = { ...options, firstOpenMs };
  }

  /** Current state (open turns half-open once the open period has passed). */
  get state(): BreakerState {
    if (this.#state === "open" && Date.now() - this.#openedAt >= this.#openFor) this.#state = "half-open";
    return this.#state;
  }

  /** The failure that last counted against the circuit (why it is open), for logs and metrics. */
  get lastFailure(): Error | undefined {
    return this.#lastFailure;
  }

  /** How long the current (or last) open period lasts, in ms. */
  get openForMs(): number {
    return this.#openFor;
  }

  /** True when a call may proceed now; in half-open only one probe at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open" || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  /** Records a successful call: closes the circuit and resets the backoff. */
  succeeded(): void {
    this.#state = "closed";
    this.#failures = 0;
    this.#openFor = 0;
    this.#probing = false;
  }

  /** The subgraph reported itself ready while the circuit is open: let the next call probe now. */
  probeNow(): void {
    if (this.#state === "open") this.#state = "half-open";
  }

  /** A call that ended without telling anything about the subgraph's health (it frees a probe slot). */
  released(): void {
    this.#probing = false;
  }

  /** Records a failed call: opens the circuit at the threshold, or again (longer) after a failed probe. */
  failed(error?: Error): void {
    this.#probing = false;
    this.#failures++;
    if (error) this.#lastFailure = error;
    if (this.#state === "half-open" || (this.#state === "closed" && this.#failures >= this.#options.failureThreshold)) {
      this.#openFor =
        this.#openFor === 0 ? this.#options.firstOpenMs : Math.min(this.#openFor * 2, this.#options.openMs);
      this.#state = "open";
      this.#openedAt = Date.now();
    }
  }
}
