import { eventIdOf } from "./envelope.ts";
import { consumerBacklog } from "./event-metrics.ts";
import { runKeyed } from "./keyed-pool.ts";
import { attemptEvent, resolveConsumerOptions } from "./process-event.ts";
import {
  assertExec,
  connectRedis,
  forgetIdleConsumers,
  parseEntries,
  streamKeys,
  type RedisStreamsOptions,
  type StreamEntry,
} from "./redis-streams.ts";
import type { ConsumerOptions, DeadLetter, EventConsumer } from "./transport.ts";
import { createWorkLoop } from "./work-loop.ts";

/** Options for {@link createRedisStreamConsumer}. */
export interface RedisStreamConsumerOptions extends ConsumerOptions, RedisStreamsOptions {
  /** Longest XREADGROUP BLOCK; pending retries are looked at least this often. Default min(pollIntervalMs, 5 s). */
  blockMs?: number;
}

// Every restart adds a consumer name to the group; names idle a day with nothing pending are dropped.
const TIDY_EVERY_MS = 10 * 60_000;
const FORGET_AFTER_MS = 24 * 60 * 60_000;

/** Per-message retry bookkeeping, kept in a hash beside the stream so any instance can continue it. */
interface RetryState {
  attempts: number;
  dueAt: number;
}

/**
 * A consumer-group member on the Redis events stream. Each loop turn:
 * 1. XAUTOCLAIM entries idle longer than `claimIdleMs` (their consumer crashed) into our PEL; a
 *    complete scan of the group's pending entries is repeated every claimIdleMs / 4 (an entry
 *    cannot become claimable sooner), not on every turn;
 * 2. retry our pending entries whose backoff has elapsed (a failed entry stays pending, unacked,
 *    so nothing is lost, while the rest of the stream keeps flowing); skipped while our PEL is
 *    known to be empty (only this consumer adds to it: reads, claims, failures), looked at anyway
 *    at least every `blockMs`;
 * 3. XREADGROUP new entries (the BLOCK doubles as the idle wait).
 * An entry is XACKed only after its handler succeeded or it was copied to the dead-letter stream.
 * At one event per turn that is 2 Redis round trips per turn instead of 4.
 */
export function createRedisStreamConsumer(options: RedisStreamConsumerOptions): EventConsumer {
  const o = resolveConsumerOptions(options);
  const keys = streamKeys(options, o.group);
  const blockMs = options.blockMs ?? Math.min(o.pollIntervalMs, 5_000);
  const redis = connectRedis(options.url, `${o.group}:${o.consumerName}`);
  // XREADGROUP BLOCK holds its connection; everything else must not queue behind it.
  const blocking = connectRedis(options.url, `${o.group}:${o.consumerName}:read`, blockMs + 5_000);
  let claimCursor = "0-0";
  let lastClaimScan = 0;
  const claimScanEveryMs = Math.max(1, Math.floor(o.claimIdleMs / 4));
  /** True only while every entry this consumer read or claimed is known to be acked. */
  let isOwnPendingEmpty = false;
  let lastPendingScan = 0;
  let lastTidy = 0;
  let stopBacklog = () => {};

  /** The group's backlog from XINFO GROUPS: entries never delivered (lag) and delivered but unacked (pending). */
  async function backlog(): Promise<{ labels: { group: string; state: string }; value: number }[]> {
    const groups = (await redis.call("XINFO", "GROUPS", keys.stream)) as unknown[][];
    for (const info of groups) {
      const fields = new Map<string, unknown>();
      for (let i = 0; i + 1 < info.length; i += 2) fields.set(String(info[i]), info[i + 1]);
      if (fields.get("name") !== o.group) continue;
      // lag is null when Redis cannot tell (entries deleted mid-stream); report what is known.
      const lag = fields.get("lag");
      return [
        ...(lag === null || lag === undefined
          ? []
          : [{ labels: { group: o.group, state: "waiting" }, value: Number(lag) }]),
        { labels: { group: o.group, state: "pending" }, value: Number(fields.get("pending") ?? 0) },
      ];
    }
    return [];
  }

  async function readStates(ids: string[]): Promise<(RetryState | null)[]> {
    if (ids.length === 0) return [];
    const raw = (await redis.call("HMGET", keys.retryState, ...ids)) as (string | null)[];
    return raw.map((value) => (value ? (JSON.parse(value) as RetryState) : null));
  }

  /** Handles one entry; false when it stays pending (a retry is due later). */
  async function handle(entry: StreamEntry, state: RetryState | null): Promise<boolean> {
    if (!entry.fields) {
      // Trimmed (XADD MAXLEN) while pending: the content is gone; say so loudly and drop the reference.
      o.logger.error({ messageId: entry.id }, "pending event was trimmed from the stream before it was handled");
      assertExec(
        await redis.multi().call("XACK", keys.stream, o.group, entry.id).call("HDEL", keys.retryState, entry.id).exec(),
      );
      return true;
    }
    const attempt = (state?.attempts ?? 0) + 1;
    // Recorded before the handler runs: if this process dies mid-handler, whoever reclaims the entry
    // counts this try, so an event that kills its consumer still ends in dead letters.
    await redis.call("HSET", keys.retryState, entry.id, JSON.stringify({ attempts: attempt, dueAt: 0 }));
    const raw = entry.fields.envelope;
    const outcome = await attemptEvent(raw ?? null, attempt, o);
    if (outcome.kind === "done") {
      assertExec(
        await redis.multi().call("XACK", keys.stream, o.group, entry.id).call("HDEL", keys.retryState, entry.id).exec(),
      );
    } else if (outcome.kind === "retry") {
      await redis.call(
        "HSET",
        keys.retryState,
        entry.id,
        JSON.stringify({ attempts: attempt, dueAt: Date.now() + outcome.delayMs }),
      );
      return false;
    } else {
      let parsed: unknown = null;
      try {
        parsed = raw ? JSON.parse(raw) : null;
      } catch {
        // Unparsable: no id to record.
      }
      const fields = [
        "eventId",
        outcome.event?.id ?? eventIdOf(parsed) ?? "",
        "type",
        outcome.event?.type ?? entry.fields.type ?? "",
        "group",
        o.group,
      ];
      fields.push(
        "attempts",
        String(attempt),
        "error",
        outcome.error,
        "envelope",
        raw ?? JSON.stringify(entry.fields),
        "messageId",
        entry.id,
        "deadAt",
        new Date().toISOString(),
      );
      // Copy to the dead-letter stream and ack atomically: the event is in exactly one of the two.
      const tx = redis.multi().call("XADD", keys.deadLetters, "MAXLEN", "~", 100_000, "*", ...fields);
      assertExec(await tx.call("XACK", keys.stream, o.group, entry.id).call("HDEL", keys.retryState, entry.id).exec());
    }
    return true;
  }

  /**
   * Handles a batch, `concurrency` entries at a time, entries of one ordering key in stream order.
   * The whole batch settles before the loop reads again, so the pending-entry scan never sees an
   * entry that is still being handled. Entries left when stopping stay pending (peers reclaim them).
   * Returns whether every entry of the batch was acked.
   */
  async function handleAll(
    entries: StreamEntry[],
    signal: AbortSignal,
    stateOf: (entry: StreamEntry) => RetryState | null,
  ): Promise<boolean> {
    let acked = 0;
    await runKeyed(
      entries,
      {
        concurrency: o.concurrency,
        signal,
        keyOf: (entry) => (entry.fields ? o.laneOf(entry.fields.envelope ?? null) : `trimmed:${entry.id}`),
      },
      async (entry) => {
        if (await handle(entry, stateOf(entry))) acked += 1;
      },
    );
    return acked === entries.length;
  }

  async function retryDuePending(signal: AbortSignal): Promise<number> {
    // Our own PEL: failed entries waiting for their backoff and entries just reclaimed from crashed peers.
    const pending = (await redis.call(
      "XPENDING",
      keys.stream,
      o.group,
      "-",
      "+",
      Math.min(o.batchSize * 10, 1_000),
      o.consumerName,
    )) as [string, string, number, number][];
    lastPendingScan = Date.now();
    if (pending.length === 0) {
      isOwnPendingEmpty = true;
      return 0;
    }
    const ids = pending.map((p) => p[0]);
    const states = await readStates(ids);
    const now = Date.now();
    const due = ids.filter((_, i) => (states[i]?.dueAt ?? 0) <= now).slice(0, o.batchSize);
    if (due.length === 0) return 0;
    // XCLAIM to ourselves with min-idle 0 returns the entries and resets their idle time: a live
    // owner keeps its work from being reclaimed by peers.
    const entries = parseEntries(await redis.call("XCLAIM", keys.stream, o.group, o.consumerName, 0, ...due));
    const stateOf = new Map(ids.map((id, i) => [id, states[i] ?? null]));
    const seen = new Set(entries.map((e) => e.id));
    // Entries XCLAIM no longer returns were trimmed from the stream while pending.
    for (const id of due) if (!seen.has(id)) entries.push({ id, fields: null });
    await handleAll(entries, signal, (entry) => stateOf.get(entry.id) ?? null);
    return due.length;
  }

  /** Creates the group (and the stream) unless it exists; from "0", so nothing already in the stream is skipped. */
  async function ensureGroup(): Promise<boolean> {
    try {
      await redis.call("XGROUP", "CREATE", keys.stream, o.group, "0", "MKSTREAM");
      return true;
    } catch (error) {
      if (!String(error).includes("BUSYGROUP")) throw error;
      return false;
    }
  }

  /**
   * One loop turn. A Redis that restarted empty (or lost the stream) answers NOGROUP: the group is
   * created again at once and the turn repeated, so the consumer recovers without a restart. The
   * producers' relays re-publish what Redis lost (see the outbox relay's replay window); entries seen
   * twice are absorbed by the handler's processed-event record.
   */
  async function tick(signal: AbortSignal): Promise<boolean> {
    try {
      return await turn(signal);
    } catch (error) {
      if (!String(error).includes("NOGROUP")) throw error;
      if (await ensureGroup()) {
        o.logger.warn(
          { stream: keys.stream, group: o.group },
          "consumer group was missing (Redis lost its data?): created it again",
        );
      }
      claimCursor = "0-0";
      isOwnPendingEmpty = false;
      return true;
    }
  }

  async function turn(signal: AbortSignal): Promise<boolean> {
    if (Date.now() - lastTidy > TIDY_EVERY_MS) {
      lastTidy = Date.now();
      await forgetIdleConsumers(redis, keys.stream, o.group, o.consumerName, FORGET_AFTER_MS);
    }
    // Mid-scan (cursor not back at 0-0): continue it on every turn.
    if (claimCursor !== "0-0" || Date.now() - lastClaimScan >= claimScanEveryMs) {
      if (claimCursor === "0-0") lastClaimScan = Date.now();
      const [cursor, claimed] = (await redis.call(
        "XAUTOCLAIM",
        keys.stream,
        o.group,
        o.consumerName,
        o.claimIdleMs,
        claimCursor,
        "COUNT",
        o.batchSize * 5,
        "JUSTID",
      )) as [string, string[]];
      claimCursor = cursor;
      if (claimed.length > 0) isOwnPendingEmpty = false;
    }
    const mustScanPending = !isOwnPendingEmpty || Date.now() - lastPendingScan >= blockMs;
    const retried = mustScanPending ? await retryDuePending(signal) : 0;
    if (signal.aborted) return false;
    const reply = (await blocking.call(
      "XREADGROUP",
      "GROUP",
      o.group,
      o.consumerName,
      "COUNT",
      o.batchSize,
      "BLOCK",
      retried > 0 ? 1 : blockMs,
      "STREAMS",
      keys.stream,
      ">",
    )) as [string, unknown][] | null;
    const entries = parseEntries(reply?.[0]?.[1]);
    if (entries.length > 0) {
      // Read entries are pending until acked; the PEL is empty again only if it was before and all were.
      const wasEmpty = isOwnPendingEmpty;
      isOwnPendingEmpty = false;
      if ((await handleAll(entries, signal, () => null)) && wasEmpty && !signal.aborted) isOwnPendingEmpty = true;
    }
    // The blocking read is the idle wait: never add another one.
    return true;
  }

  // Backoff after failures capped at 5 s: once Redis is back, events flow again within seconds.
  const loop = createWorkLoop({
    name: `redis-consumer:${o.group}`,
    tick,
    idleMs: o.pollIntervalMs,
    maxErrorBackoffMs: 5_000,
    logger: o.logger,
  });

  return {
    async start() {
      await Promise.all([redis.connect(), blocking.connect()]);
      // From "0": a group created after events were published still gets them (nothing lost).
      await ensureGroup();
      loop.start();
      stopBacklog = consumerBacklog.add(backlog);
      o.logger.info({ stream: keys.stream, consumer: o.consumerName }, "event consumer started (Redis Streams)");
    },
    async stop() {
      stopBacklog();
      const stopped = loop.stop();
      // Interrupts a pending XREADGROUP BLOCK; anything it had delivered stays in our PEL for peers.
      blocking.disconnect();
      await stopped;
      await redis.quit().catch(() => redis.disconnect());
    },
    wake() {
      loop.wake();
    },
    async deadLetters(limit = 100) {
      const entries = parseEntries(await redis.call("XRANGE", keys.deadLetters, "-", "+", "COUNT", limit));
      return entries.flatMap(({ fields }): DeadLetter[] =>
        fields
          ? [
              {
                eventId: fields.eventId || null,
                type: fields.type || null,
                group: fields.group ?? o.group,
                attempts: Number(fields.attempts ?? 0),
                error: fields.error ?? "",
                raw: fields.envelope ?? "",
                deadAt: new Date(fields.deadAt ?? 0),
              },
            ]
          : [],
      );
    },
    get healthy() {
      return loop.healthy;
    },
  };
}
