/** Circuit states: closed (calls flow), open (calls fail fast), half-open (one probe allowed). */
export type BreakerState = "closed" | "open" | "half-open";

/** Options for {@link CircuitBreaker}. */
export interface BreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold: number;
  /** How long the circuit stays open before a probe is let through. Default 5 s. */
  openMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 5, openMs: 5_000 };

/**
 * A per-subgraph circuit breaker. While a subgraph is down, requests fail in microseconds
 * instead of each waiting out the timeout, and the subgraph gets room to recover; after
 * `openMs` a single probe decides whether to close again.
 */
export class CircuitBreaker {
  readonly #options: BreakerOptions;
  #state: BreakerState = "closed";
  #failures = 0;
  #openedAt = 0;
  #probing = false;

  constructor(options: BreakerOptions = DEFAULT_BREAKER) {
    this.#options = options;
  }

  /** Current state (open turns half-open once the open period has passed). */
  get state(): BreakerState {
    if (this.#state === "open" && Date.now() - this.#openedAt >= this.#options.openMs) this.#state = "half-open";
    return this.#state;
  }

  /** True when a call may proceed now; in half-open only one probe at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open" || this.#probing) return false;
    this.#probing = true;
    return true;
  }

  /** Records a successful call: closes the circuit. */
  succeeded(): void {
    this.#state = "closed";
    this.#failures = 0;
    this.#probing = false;
  }

  /** Records a failed call: opens the circuit at the threshold, or again after a failed probe. */
  failed(): void {
    this.#probing = false;
    this.#failures++;
    if (this.#state === "half-open" || this.#failures >= this.#options.failureThreshold) {
      this.#state = "open";
      this.#openedAt = Date.now();
    }
  }
}
