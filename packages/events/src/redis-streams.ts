import { Redis } from "ioredis";
import type { EventEnvelope } from "./envelope.ts";
import type { EventPublisher } from "./transport.ts";

/** Where the events live in Redis. */
export interface RedisStreamsOptions {
  url: string;
  /** Prefix of every key (REDIS_KEY_PREFIX), so environments and test runs can share one Redis. */
  prefix?: string;
  /** One stream carries every event type; consumers filter by `type`. Default "events". */
  stream?: string;
}

/**
 * The keys of one stream and one group's dead letters, retry bookkeeping and producer markers.
 * The stream name is a Redis Cluster hash tag (`sg:{events}`): every key derived from it hashes to
 * the same slot, so the multi-key MULTI/pipelines over them work on a cluster unchanged.
 */
export function streamKeys(options: RedisStreamsOptions, group = "") {
  const stream = `${options.prefix ?? "sg:"}{${options.stream ?? "events"}}`;
  return { stream, deadLetters: `${stream}:dead:${group}`, retryState: `${stream}:retry:${group}` };
}

/**
 * A connection for the event machinery: commands fail fast while Redis is down (the loops back
 * off and retry) instead of queueing without bound; reconnects back off up to 2 s, forever. A
 * frozen Redis fails a command after `commandTimeoutMs` (default 5 s): a relay must not hold its
 * outbox transaction (and a database connection) open for as long as Redis stays silent.
 */
export function connectRedis(url: string, connectionName: string, commandTimeoutMs = 5_000): Redis {
  const redis = new Redis(url, {
    commandTimeout: commandTimeoutMs,
    lazyConnect: true,
    connectionName,
    // RESP2: stream replies keep their documented nested shapes (ioredis 6 defaults to RESP3, whose
    // map replies arrive flattened, e.g. XREADGROUP as [key, entries] instead of [[key, entries]]).
    protocol: 2,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  // Connection errors reach the loops as failed commands (logged there, with backoff); without a
  // listener ioredis would print every reconnect attempt to stderr.
  redis.on("error", () => {});
  return redis;
}

/** A stream entry; `fields` is null when the entry was trimmed away while still pending. */
export interface StreamEntry {
  id: string;
  fields: Record<string, string> | null;
}

/** Parses `[[id, [field, value, …]], …]` (XRANGE, XCLAIM, one stream of XREADGROUP). */
export function parseEntries(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item): StreamEntry[] => {
    if (!Array.isArray(item) || typeof item[0] !== "string") return [];
    const list = item[1];
    if (!Array.isArray(list)) return [{ id: item[0], fields: null }];
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < list.length; i += 2) fields[String(list[i])] = String(list[i + 1]);
    return [{ id: item[0], fields }];
  });
}

/** Throws the first error of a MULTI/pipeline result (ioredis reports them per command). */
export function assertExec(results: [Error | null, unknown][] | null): void {
  if (!results) throw new Error("Redis transaction aborted");
  for (const [error] of results) if (error) throw error;
}

/** Removes group members other than `keep` that have nothing pending and were idle longer than `idleMs`. */
export async function forgetIdleConsumers(
  redis: Redis,
  stream: string,
  group: string,
  keep: string,
  idleMs: number,
): Promise<void> {
  const consumers = (await redis.call("XINFO", "CONSUMERS", stream, group)) as unknown[][];
  for (const info of consumers) {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < info.length; i += 2) fields.set(String(info[i]), info[i + 1]);
    const name = String(fields.get("name"));
    if (name !== keep && Number(fields.get("pending")) === 0 && Number(fields.get("idle")) > idleMs) {
      await redis.call("XGROUP", "DELCONSUMER", stream, group, name);
    }
  }
}

/** Options for {@link createRedisStreamPublisher}. */
export interface RedisStreamPublisherOptions extends RedisStreamsOptions {
  /** The producer (users, products, orders): names its marker key for {@link EventPublisher.checkLoss}. Default "events". */
  producer?: string;
  /**
   * Approximate cap on the stream length (XADD MAXLEN ~). A group lagging further behind than
   * this loses the oldest entries, so keep it far above any expected backlog. Default 100 000.
   */
  maxLen?: number;
}

/** A stream entry id ("<ms>-<seq>") as a comparable pair. */
function parseStreamId(id: string): [bigint, bigint] {
  const [ms, seq] = id.split("-");
  return [BigInt(ms ?? 0), BigInt(seq ?? 0)];
}

/** True when stream id `a` is older than `b`. */
export function isOlderStreamId(a: string, b: string): boolean {
  const [am, as] = parseStreamId(a);
  const [bm, bs] = parseStreamId(b);
  return am < bm || (am === bm && as < bs);
}

/**
 * Publishes envelopes with XADD (one pipeline per batch) to the shared events stream.
 * `checkLoss` tells the relay when Redis lost what it had accepted, two ways: a per-producer marker
 * key (`<stream>:producer:<name>`, written by `markIntact`) that vanishes when Redis restarts empty,
 * and the stream's last-generated-id going behind the newest id this process published (Redis came
 * back from an older snapshot, which restores the marker too). Keep the events Redis on a
 * `noeviction` policy: an evicted marker only costs a needless replay, an evicted stream loses events.
 */
export function createRedisStreamPublisher(options: RedisStreamPublisherOptions): EventPublisher {
  const { stream } = streamKeys(options);
  const marker = `${stream}:producer:${options.producer ?? "events"}`;
  const maxLen = options.maxLen ?? 100_000;
  const redis = connectRedis(options.url, "events-publisher");
  let newest: string | undefined;
  return {
    async publish(events: readonly EventEnvelope[]) {
      if (events.length === 0) return;
      const pipeline = redis.pipeline();
      for (const event of events) {
        pipeline.call(
          "XADD",
          stream,
          "MAXLEN",
          "~",
          maxLen,
          "*",
          "id",
          event.id,
          "type",
          event.type,
          "envelope",
          JSON.stringify(event),
        );
      }
      const results = await pipeline.exec();
      assertExec(results);
      const last = results?.at(-1)?.[1];
      if (typeof last === "string" && (!newest || isOlderStreamId(newest, last))) newest = last;
    },
    async checkLoss() {
      const results = await redis.multi().call("EXISTS", marker).call("XINFO", "STREAM", stream).exec();
      const [exists, info] = results ?? [];
      if (exists?.[0]) throw exists[0];
      if (exists?.[1] === 0) return true;
      // No stream but the marker: nothing published since Redis started, unless this process did.
      if (info?.[0]) return newest !== undefined;
      const fields = info?.[1] as unknown[];
      const lastGenerated = fields[fields.indexOf("last-generated-id") + 1];
      return newest !== undefined && typeof lastGenerated === "string" && isOlderStreamId(lastGenerated, newest);
    },
    async markIntact() {
      await redis.call("SET", marker, new Date().toISOString());
      newest = undefined;
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
