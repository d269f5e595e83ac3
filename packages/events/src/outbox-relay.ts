import type { Logger } from "@shopgraph/logger";
import { quoteTable } from "./inbox-store.ts";
import type { EventEnvelope } from "./envelope.ts";
import { observePublished, observePublishFailure, observeReplay } from "./event-metrics.ts";
import { tracePublish } from "./tracing.ts";
import type { EventPublisher } from "./transport.ts";
import { pgDatabase, type PgPoolLike, type SqlDatabase } from "./sql.ts";
import { createWorkLoop, type WorkLoop } from "./work-loop.ts";

/** Options for {@link createOutboxRelay}. */
export interface OutboxRelayOptions {
  /** The producer's own database: `prismaDatabase(prisma)` (shares its pool) or `pgDatabase(pool)`… */
  db?: SqlDatabase;
  /** …or a pg Pool directly. */
  pool?: PgPoolLike;
  publisher: EventPublisher;
  logger: Logger;
  /** Rows per transaction. Default 100. */
  batchSize?: number;
  /**
   * Poll interval when the outbox is empty. Default 500 ms. With a commit listener
   * ({@link listenForOutboxCommits} calling `wake`) it is only the fallback for a missed notification.
   */
  intervalMs?: number;
  /** Default "OutboxEvent" (the Prisma model every producer has). */
  table?: string;
  /** Published rows older than this are deleted. Default 7 days; 0 keeps them. */
  retentionMs?: number;
  /** Transport name for spans and metrics ("redis", "http-push"). Default "events". */
  transport?: string;
  /**
   * When the transport reports a loss (Redis restarted empty), rows published this recently are
   * published again (EVENTS_REPLAY_WINDOW_MS). Default 1 h; 0 turns replays off. Kept below `retentionMs`.
   */
  replayWindowMs?: number;
  /** How often the transport is asked whether it lost events. Default 1 s. */
  lossCheckMs?: number;
  /** Producer name for metrics (events_replayed_total). Default "events". */
  service?: string;
}

/** A running relay. */
export interface OutboxRelay extends Pick<WorkLoop, "start" | "stop" | "healthy" | "wake"> {
  /** Publishes one batch now; resolves with the number of events published. */
  relayOnce(): Promise<number>;
  /**
   * Cuts the idle wait short without a known commit (a listener that just (re)connected): the next
   * batch looks for waiting rows first, so an idle outbox opens no transaction. `wake` is for commits.
   */
  poll(): void;
}

interface OutboxRow extends Record<string, unknown> {
  id: string;
  type: string;
  version: number;
  payload: Record<string, unknown>;
  traceparent: string | null;
  occurredAt: Date;
}

const PRUNE_EVERY_MS = 60 * 60_000;

/** Builds the envelope of an outbox row. */
export const envelopeOf = (row: OutboxRow): EventEnvelope => ({
  id: row.id,
  type: row.type,
  version: row.version,
  occurredAt: row.occurredAt.toISOString(),
  traceparent: row.traceparent,
  payload: row.payload,
});

/**
 * The transactional-outbox relay, on raw SQL so it serves any producer's database whatever its
 * Prisma client. Per batch, in one transaction: claim the oldest unpublished rows with
 * FOR UPDATE SKIP LOCKED (concurrent relays take disjoint rows, never the same row twice at once),
 * publish them, mark them published, commit. The row locks are held while publishing, so a relay
 * that dies mid-batch rolls back: the rows stay unpublished and are sent again (at-least-once;
 * consumers absorb the duplicates by event id). A failed publish bumps `attempts` and backs off.
 */
export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  if (!options.db && !options.pool) throw new Error("createOutboxRelay: `db` or `pool` is required");
  const db: SqlDatabase = options.db ?? pgDatabase(options.pool!);
  const table = quoteTable(options.table ?? "OutboxEvent");
  const batchSize = options.batchSize ?? 100;
  const retentionMs = options.retentionMs ?? 7 * 24 * 60 * 60_000;
  const logger = options.logger.child({ component: "outbox-relay" });
  const transport = options.transport ?? "events";
  const replayWindowMs = Math.min(options.replayWindowMs ?? 60 * 60_000, retentionMs > 0 ? retentionMs : Infinity);
  const lossCheckMs = options.lossCheckMs ?? 1_000;
  let lastPrune = 0;
  let lastLossCheck = 0;

  /**
   * Redis lost events it had accepted: mark the replay window unpublished again, so the normal
   * batches re-publish it (oldest first). Consumers drop what they had processed already by event
   * id. The marker is written only after the rows are reset: a relay that dies in between replays
   * again on its next start rather than never.
   */
  async function replayIfLost(): Promise<void> {
    const { checkLoss, markIntact } = options.publisher;
    if (!checkLoss || replayWindowMs <= 0 || Date.now() - lastLossCheck < lossCheckMs) return;
    lastLossCheck = Date.now();
    if (!(await checkLoss.call(options.publisher))) return;
    const rows = await db.query<{ id: string }>(
      `UPDATE ${table} SET "publishedAt" = NULL
       WHERE "publishedAt" >= clock_timestamp() - make_interval(secs => $1::double precision / 1000) RETURNING id`,
      [replayWindowMs],
    );
    await markIntact?.call(options.publisher);
    if (rows.length === 0) return;
    observeReplay(options.service ?? "events", rows.length);
    logger.warn(
      { count: rows.length, replayWindowMs },
      "the event store lost published events: re-publishing the replay window",
    );
  }

  /** Set by wake(): a commit notification said rows are waiting, so the next batch skips the look. */
  let rowsCommitted = false;

  async function relayOnce(): Promise<number> {
    // A cheap look before opening a transaction: most polls find nothing, and on the embedded
    // server (one connection at a time) an idle relay should not hold the connection at all. After
    // a commit notification it could only say yes: skipped, one statement fewer per event.
    const hinted = rowsCommitted;
    rowsCommitted = false;
    if (!hinted) {
      const [row] = await db.query<{ waiting: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${table} WHERE "publishedAt" IS NULL) AS waiting`,
      );
      if (!row?.waiting) return 0;
    }
    const result = await db.transaction(async (query) => {
      const rows = await query<OutboxRow>(
        `SELECT id, type, version, payload, traceparent, "occurredAt" FROM ${table}
         WHERE "publishedAt" IS NULL ORDER BY "occurredAt", id LIMIT $1::int FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      if (rows.length === 0) return { published: 0 };
      // Ids travel as one JSON array: it binds the same way through pg and Prisma's raw queries.
      const ids = JSON.stringify(rows.map((r) => r.id));
      const claimed = `id IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid)`;
      const envelopes = rows.map(envelopeOf);
      try {
        await tracePublish(envelopes, transport, () => options.publisher.publish(envelopes));
      } catch (error) {
        observePublishFailure(transport);
        // Keep the rows unpublished but remember the failed try (visible to operators).
        await query(`UPDATE ${table} SET attempts = attempts + 1 WHERE ${claimed}`, [ids]);
        return { published: 0, error };
      }
      observePublished(envelopes);
      // clock_timestamp(), not now(): now() is the start of this transaction, i.e. the claim, and the
      // publish in between may have waited seconds for Redis.
      await query(`UPDATE ${table} SET "publishedAt" = clock_timestamp(), attempts = attempts + 1 WHERE ${claimed}`, [
        ids,
      ]);
      return { published: rows.length };
    });
    if ("error" in result) throw result.error;
    if (result.published > 0) logger.debug({ count: result.published }, "outbox events published");
    return result.published;
  }

  async function prune(): Promise<void> {
    if (retentionMs <= 0 || Date.now() - lastPrune < PRUNE_EVERY_MS) return;
    lastPrune = Date.now();
    await db.query(
      `DELETE FROM ${table} WHERE "publishedAt" < now() - make_interval(secs => $1::double precision / 1000) RETURNING id`,
      [retentionMs],
    );
  }

  const loop = createWorkLoop({
    name: "outbox-relay",
    logger,
    idleMs: options.intervalMs ?? 500,
    // Capped at 5 s: once Redis or the database is back, events flow again within seconds.
    maxErrorBackoffMs: 5_000,
    async tick() {
      await prune();
      await replayIfLost();
      return (await relayOnce()) === batchSize;
    },
  });

  return {
    relayOnce,
    start: () => loop.start(),
    stop: () => loop.stop(),
    wake: () => {
      rowsCommitted = true;
      loop.wake();
    },
    poll: () => loop.wake(),
    get healthy() {
      return loop.healthy;
    },
  };
}
