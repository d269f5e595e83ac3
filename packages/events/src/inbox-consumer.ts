import { eventIdOf } from "./envelope.ts";
import { consumerBacklog } from "./event-metrics.ts";
import { runKeyed } from "./keyed-pool.ts";
import { attemptEvent, resolveConsumerOptions } from "./process-event.ts";
import { claimInbox, DEFAULT_INBOX_TABLE, pruneInbox, quoteTable, settleInbox, type Queryable } from "./inbox-store.ts";
import type { ConsumerOptions, DeadLetter, EventConsumer } from "./transport.ts";
import { createWorkLoop } from "./work-loop.ts";

/** Options for {@link createInboxConsumer}. */
export interface InboxConsumerOptions extends ConsumerOptions {
  /** The consumer's own database: `pgDatabase(pool)` or `prismaDatabase(prisma)`. */
  db: Queryable;
  /** Default "InboxEvent". */
  table?: string;
  /** How long processed rows are kept to absorb late duplicates. Default 7 days; 0 keeps them. */
  retentionMs?: number;
}

const PRUNE_EVERY_MS = 60 * 60_000;

/**
 * Embedded-mode consumer (no Redis): works off the inbox table that POST /events fills. Same
 * semantics as the Redis consumer: instances of a group share rows through SKIP LOCKED leases,
 * a crashed instance's lease expires after `claimIdleMs` and a peer takes the row over, failures
 * retry with backoff, and after `maxAttempts` the row is DEAD (the dead letters).
 */
export function createInboxConsumer(options: InboxConsumerOptions): EventConsumer {
  const o = resolveConsumerOptions(options);
  const table = options.table ?? DEFAULT_INBOX_TABLE;
  const retentionMs = options.retentionMs ?? 7 * 24 * 60 * 60_000;
  let lastPrune = 0;
  let stopBacklog = () => {};

  async function tick(signal: AbortSignal): Promise<boolean> {
    if (retentionMs > 0 && Date.now() - lastPrune > PRUNE_EVERY_MS) {
      lastPrune = Date.now();
      await pruneInbox(options.db, table, retentionMs);
    }
    const claimed = await claimInbox(options.db, table, o.consumerName, o.claimIdleMs, o.batchSize);
    // `concurrency` rows at a time, rows of one ordering key in claim order; once stopping, the
    // unprocessed rest is released when its lease expires.
    await runKeyed(
      claimed,
      { concurrency: o.concurrency, signal, keyOf: (row) => o.laneOf(row.envelope) },
      async (row) => {
        const outcome = await attemptEvent(row.envelope, row.attempts, o);
        await settleInbox(options.db, table, o.consumerName, row.id, outcome);
      },
    );
    return claimed.length === o.batchSize;
  }

  const loop = createWorkLoop({ name: `inbox-consumer:${o.group}`, tick, idleMs: o.pollIntervalMs, logger: o.logger });

  return {
    async start() {
      // Fails start-up when the table is missing (migration not applied) rather than at the first event.
      await options.db.query(`SELECT 1 FROM ${quoteTable(table)} LIMIT 1`);
      loop.start();
      stopBacklog = consumerBacklog.add(async () => {
        const rows = await options.db.query<{ waiting: number; pending: number }>(
          `SELECT count(*) FILTER (WHERE "lockedUntil" IS NULL OR "lockedUntil" <= now())::int AS waiting, count(*) FILTER (WHERE "lockedUntil" > now())::int AS pending FROM ${quoteTable(table)} WHERE status = 'PENDING'`,
        );
        const row = rows[0] ?? { waiting: 0, pending: 0 };
        return [
          { labels: { group: o.group, state: "waiting" }, value: row.waiting },
          { labels: { group: o.group, state: "pending" }, value: row.pending },
        ];
      });
      o.logger.info({ table, consumer: o.consumerName }, "event consumer started (embedded inbox)");
    },
    stop: () => {
      stopBacklog();
      return loop.stop();
    },
    wake: () => loop.wake(),
    async deadLetters(limit = 100) {
      const rows = await options.db.query<{
        id: string;
        type: string;
        envelope: unknown;
        attempts: number;
        lastError: string | null;
        processedAt: Date | null;
      }>(
        `SELECT id, type, envelope, attempts, "lastError", "processedAt" FROM ${quoteTable(table)} WHERE status = 'DEAD' ORDER BY "processedAt", id LIMIT $1::int`,
        [limit],
      );
      return rows.map((r): DeadLetter => {
        return {
          // Malformed rows carry a generated id; report the event's own id only when it had one.
          eventId: eventIdOf(r.envelope) === r.id ? r.id : null,
          type: r.type === "unknown" ? null : r.type,
          group: o.group,
          attempts: r.attempts,
          error: r.lastError ?? "",
          raw: JSON.stringify(r.envelope),
          deadAt: r.processedAt ?? new Date(0),
        };
      });
    },
    get healthy() {
      return loop.healthy;
    },
  };
}
