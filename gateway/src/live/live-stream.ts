import type { EventEnvelope } from "@shopgraph/events";

/** One queued piece of work: an event and the entity it is about (for this subscriber). */
export interface LiveItem {
  event: EventEnvelope;
  entityId: string;
}
import type { FormattedExecutionResult } from "graphql";

/** Options for {@link LiveStream}. */
export interface LiveStreamOptions {
  /** Most events waiting for this subscriber; one more ends the stream (a slow consumer). */
  bufferSize: number;
  /** Turns one event into the result to send, or null to send nothing for it. */
  resolve: (item: LiveItem) => Promise<FormattedExecutionResult | null>;
  /** Called once when the stream ends for any reason (client gone, error, shutdown). */
  onEnd: () => void;
  /** Called when the buffer overflowed (before the stream ends with `overflowError`). */
  onOverflow: () => void;
  overflowError: FormattedExecutionResult;
}

/**
 * One subscriber's stream of results: events queue here (bounded) and are resolved one at a time
 * when the transport asks for the next result, so a consumer that stops reading stops costing
 * queries, and one that falls `bufferSize` events behind is ended with an error instead of
 * growing memory. `end(final)` sends `final` (an error) and completes; `end()` just completes.
 */
export class LiveStream implements AsyncIterableIterator<FormattedExecutionResult> {
  readonly #options: LiveStreamOptions;
  readonly #queue: LiveItem[] = [];
  #last: string | undefined;
  #final: FormattedExecutionResult | undefined;
  #ending = false;
  #ended = false;
  #wake: (() => void) | undefined;

  constructor(options: LiveStreamOptions) {
    this.#options = options;
  }

  /** True once the stream has ended or is ending. */
  get closed(): boolean {
    return this.#ending;
  }

  /** Offers an event that concerns this subscriber. */
  push(item: LiveItem): void {
    if (this.#ending) return;
    if (this.#queue.length >= this.#options.bufferSize) {
      this.#options.onOverflow();
      this.end(this.#options.overflowError);
      return;
    }
    this.#queue.push(item);
    this.#wake?.();
  }

  /** Ends the stream: `final` (an error result) is the last thing sent; queued events are discarded. */
  end(final?: FormattedExecutionResult): void {
    if (this.#ending) return;
    this.#ending = true;
    this.#final = final;
    this.#queue.length = 0;
    this.#wake?.();
  }

  async next(): Promise<IteratorResult<FormattedExecutionResult>> {
    for (;;) {
      if (this.#ending) {
        const final = this.#final;
        this.#final = undefined;
        if (final) return { value: final, done: false };
        this.#finish();
        return { value: undefined, done: true };
      }
      const item = this.#queue.shift();
      if (!item) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      const result = await this.#options.resolve(item);
      if (!result || this.#ending) continue;
      // The same answer twice in a row is no news (an at-least-once redelivery, the initial state
      // followed by the event that produced it): sent once.
      const text = JSON.stringify(result);
      if (text === this.#last) continue;
      this.#last = text;
      return { value: result, done: false };
    }
  }

  async return(): Promise<IteratorResult<FormattedExecutionResult>> {
    this.#ending = true;
    this.#final = undefined;
    this.#queue.length = 0;
    this.#wake?.();
    this.#finish();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#options.onEnd();
  }
}
