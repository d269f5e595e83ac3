import type { Logger } from "@shopgraph/logger";
import type { RetryPolicy } from "./backoff.ts";
import type { EventEnvelope } from "./envelope.ts";

/** What a handler learns about the current try. */
export interface HandlerContext {
  /** 1-based; a consumer crash mid-handler counts as an attempt too (poison that kills still ends). */
  attempt: number;
  maxAttempts: number;
  /** True on the final try: a handler may degrade (skip an optional effect) rather than lose the event. */
  isLastAttempt: boolean;
  logger: Logger;
}

/**
 * Handles one event. Must be idempotent (delivery is at-least-once): record the event id in the
 * consumer's database in the same transaction as the effects. Throwing schedules a retry with
 * backoff; PermanentEventError, or the last attempt failing, dead-letters the event.
 */
export type EventHandler = (event: EventEnvelope, context: HandlerContext) => Promise<void>;

/** The producer half of a transport: used by the outbox relay. */
export interface EventPublisher {
  /** Resolves only once every event is durably accepted; a rejection means "retry the batch". */
  publish(events: readonly EventEnvelope[]): Promise<void>;
  /**
   * Optional: true when the transport may have lost events it had accepted (Redis restarted empty
   * or came back from an older snapshot); also true the first time a producer uses a fresh store.
   * The relay then re-publishes its replay window and calls {@link markIntact}.
   */
  checkLoss?(): Promise<boolean>;
  /** Records that the store holds what was published (after a replay): the next checkLoss answers false. */
  markIntact?(): Promise<void>;
  close(): Promise<void>;
}

/** An event a consumer group gave up on, with why. */
export interface DeadLetter {
  /** Null when the message was too malformed to carry a usable id. */
  eventId: string | null;
  type: string | null;
  group: string;
  attempts: number;
  error: string;
  /** The message as received (JSON text), for inspection and manual replay. */
  raw: string;
  deadAt: Date;
}

/** The consumer half: one instance of one consumer group (a group = one consuming service). */
export interface EventConsumer {
  /** Prepares the backend (consumer group, tables) and starts the loop. */
  start(): Promise<void>;
  /** Stops taking new work, finishes the event in hand, releases connections. */
  stop(): Promise<void>;
  /** Processes pending work now instead of at the next poll (e.g. right after an inbox write). */
  wake(): void;
  /** The group's dead letters, oldest first. */
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** True while the loop runs and its backend answered the last poll (readiness). */
  readonly healthy: boolean;
}

/** Options shared by every consumer implementation. */
export interface ConsumerOptions {
  /** Consumer group: one per consuming service; its instances share the work. */
  group: string;
  handler: EventHandler;
  logger: Logger;
  /** Default {@link DEFAULT_RETRY_POLICY}. */
  retry?: Partial<RetryPolicy>;
  /**
   * How long an event may sit claimed by an instance before another instance takes it over
   * (the owner is presumed crashed). Longer than the slowest handler. Default 30 s.
   */
  claimIdleMs?: number;
  /** Events taken per poll. Default 20. */
  batchSize?: number;
  /** Idle wait between polls when there is nothing to do. Default 1 s. */
  pollIntervalMs?: number;
  /** Unique name of this instance within the group. Default host-pid-random. */
  consumerName?: string;
  /**
   * Events of one batch handled at once (each handler holds a database transaction). Default 1.
   * Events with the same {@link orderingKey}, and copies of the same event, are still handled one
   * after another in stream order.
   */
  concurrency?: number;
  /**
   * The order that matters: events with the same key are never handled side by side nor out of
   * their arrival order (a failed event that waits for its retry is still overtaken, as without
   * concurrency). Null: no constraint. Default: none.
   */
  orderingKey?: (event: EventEnvelope) => string | null;
}
