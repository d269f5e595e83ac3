import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasRealServer, provisionRedis, TEST_REDIS_URL } from "@shopgraph/testing";
import { createRedisStreamConsumer, forgetIdleConsumers, streamKeys } from "../src/index.ts";
import { logger, waitFor } from "./support.ts";

// Redis-only behaviour; everything shared with the embedded transport is in the contract suite.
// Skipped without a Redis server outside CI (streams and consumer groups have no in-process stand-in).
const REAL_REDIS = await hasRealServer("Redis", TEST_REDIS_URL, 6379);
const redis = await provisionRedis();
let raw: Redis;
beforeAll(() => {
  if (redis.url) raw = new Redis(redis.url, { protocol: 2 });
});
afterAll(async () => {
  raw?.disconnect();
  await redis.cleanup();
});

describe.skipIf(!REAL_REDIS)("Redis Streams specifics", () => {
  const options = () => ({ url: redis.url!, prefix: redis.prefix, stream: `s-${randomBytes(3).toString("hex")}` });

  it("dead-letters entries a foreign producer wrote (unparsable JSON, no envelope field) with the reason", async () => {
    const streams = options();
    const { stream } = streamKeys(streams);
    await raw.xadd(stream, "*", "envelope", "{not json");
    await raw.xadd(stream, "*", "something", "else");
    let called = false;
    const consumer = createRedisStreamConsumer({
      ...streams,
      group: "mailer",
      handler: async () => void (called = true),
      logger,
      pollIntervalMs: 50,
      blockMs: 50,
    });
    await consumer.start();
    try {
      const dead = await waitFor(
        async () => ((await consumer.deadLetters()).length === 2 ? consumer.deadLetters() : null),
        "2 dead letters",
      );
      expect(dead.map((d) => [d.eventId, d.error, d.raw])).toEqual([
        [null, "MalformedEventError: envelope is not valid JSON", "{not json"],
        [null, "MalformedEventError: envelope is not an object", JSON.stringify({ something: "else" })],
      ]);
      expect(called).toBe(false);
      expect(((await raw.call("XPENDING", stream, "mailer")) as [number])[0]).toBe(0);
    } finally {
      await consumer.stop();
    }
  });

  it("forgets group members that are long idle with nothing pending, and keeps the rest", async () => {
    const { stream } = streamKeys(options());
    await raw.call("XGROUP", "CREATE", stream, "mailer", "$", "MKSTREAM");
    await raw.call("XGROUP", "CREATECONSUMER", stream, "mailer", "gone");
    await raw.call("XGROUP", "CREATECONSUMER", stream, "mailer", "me");
    await raw.xadd(stream, "*", "envelope", "{}");
    await raw.call("XREADGROUP", "GROUP", "mailer", "busy", "COUNT", 1, "STREAMS", stream, ">");
    await forgetIdleConsumers(raw, stream, "mailer", "me", -1);
    const names = ((await raw.call("XINFO", "CONSUMERS", stream, "mailer")) as unknown[][]).map((c) => c[1]);
    expect(names.sort()).toEqual(["busy", "me"]);
  });
});
