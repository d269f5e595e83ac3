import { connectRedis, parseEntries, parseEnvelope, streamKeys, type EventEnvelope } from "@shopgraph/events";
import type { Logger } from "@shopgraph/logger";
import { backoffDelayMs, sleep } from "@shopgraph/util";

/** A listener for one event type; it must not throw (the feed isolates it anyway). */
export type FeedListener = (event: EventEnvelope) => void;

/**
 * The events every gateway process sees, fanned out in process to its local subscribers. Not a
 * consumer group: each replica reads the whole stream, so an event raised anywhere reaches
 * subscribers on every replica.
 */
export interface EventFeed {
  /** Listens to the given event types; returns the function that stops listening. */
  listen(types: readonly string[], listener: FeedListener): () => void;
  /** Hands an event to the local listeners (the Redis reader does; so can embedded producers and tests). */
  emit(event: EventEnvelope): void;
  /** True while the feed can deliver (the Redis reader answered its last read; always true in process). */
  readonly healthy: boolean;
  close(): Promise<void>;
}

/** An in-process feed: listeners keyed by event type. */
export function createLocalEventFeed(logger: Logger): EventFeed {
  const listeners = new Map<string, Set<FeedListener>>();
  return {
    listen(types, listener) {
      for (const type of types) {
        let set = listeners.get(type);
        if (!set) listeners.set(type, (set = new Set()));
        set.add(listener);
      }
      return () => {
        for (const type of types) listeners.get(type)?.delete(listener);
      };
    },
    emit(event) {
      for (const listener of listeners.get(event.type) ?? []) {
        try {
          listener(event);
        } catch (error) {
          logger.error({ err: error, eventType: event.type }, "live event listener failed");
        }
      }
    },
    healthy: true,
    close: async () => listeners.clear(),
  };
}

/** The reader's retry after a failed read: 200 ms doubling to 2 s, with the shared jitter. */
const READ_RETRY = { baseMs: 200, maxMs: 2_000 };

/** Options for {@link createRedisEventFeed}. */
export interface RedisEventFeedOptions {
  url: string;
  prefix: string;
  logger: Logger;
  /** Longest blocking read; also how long close() may wait for the reader. Default 2 s. */
  blockMs?: number;
}

/**
 * One reader per gateway process: XREAD (no group) on the shared events stream from the newest
 * entry at start, then from the last id it saw, so a Redis blip loses nothing that Redis kept.
 * Events published before the gateway started are never replayed to subscribers.
 */
export async function createRedisEventFeed(options: RedisEventFeedOptions): Promise<EventFeed> {
  const local = createLocalEventFeed(options.logger);
  const blockMs = options.blockMs ?? 2_000;
  const { stream } = streamKeys({ url: options.url, prefix: options.prefix });
  // A connection of its own: a blocking read holds it.
  const redis = connectRedis(options.url, "gateway-live-feed", blockMs + 3_000);
  let healthy = false;
  let stopped = false;
  let lastId = "$";
  const startAt = async () => {
    // "$" only for the very first read would miss entries added between two reads; the newest id does not.
    const newest = parseEntries(await redis.call("XREVRANGE", stream, "+", "-", "COUNT", "1"));
    lastId = newest[0]?.id ?? "0-0";
  };
  try {
    await startAt();
    healthy = true;
  } catch (error) {
    options.logger.warn({ err: error }, "live event feed: Redis not reachable yet; retrying");
  }
  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      try {
        if (lastId === "$") await startAt();
        const reply = (await redis.call(
          "XREAD",
          "COUNT",
          "500",
          "BLOCK",
          String(blockMs),
          "STREAMS",
          stream,
          lastId,
        )) as [string, unknown][] | null;
        healthy = true;
        failures = 0;
        for (const entry of parseEntries(reply?.[0]?.[1])) {
          lastId = entry.id;
          if (!entry.fields?.envelope) continue;
          try {
            local.emit(parseEnvelope(JSON.parse(entry.fields.envelope)));
          } catch (error) {
            options.logger.warn({ err: error, entryId: entry.id }, "live event feed: malformed event skipped");
          }
        }
      } catch (error) {
        if (stopped) break;
        healthy = false;
        failures++;
        if (failures === 1) options.logger.warn({ err: error }, "live event feed: read failed; retrying");
        await sleep(backoffDelayMs(failures, READ_RETRY));
      }
    }
  })();
  return {
    listen: local.listen,
    emit: local.emit,
    get healthy() {
      return healthy;
    },
    async close() {
      stopped = true;
      // Ends the blocking read at once instead of waiting out its BLOCK time.
      redis.disconnect();
      await loop;
      await local.close();
    },
  };
}
