import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  hasRealServer,
  provisionDatabase,
  provisionRedis,
  TEST_DATABASE_SERVER,
  TEST_REDIS_URL,
  testPoolConfig,
  type TestDatabase,
} from "@shopgraph/testing";
import {
  connectRedis,
  createOutboxRelay,
  listenForOutboxCommits,
  parseEntries,
  pgDatabase,
  startOutboxRelay,
  streamKeys,
  type EventEnvelope,
  type EventPublisher,
} from "../src/index.ts";
import { logger, TEST_MIGRATIONS, waitFor } from "./support.ts";

// The relay is woken by the outbox trigger's NOTIFY (delivered at commit). Every relay here polls
// only once a minute, so an event published within waitFor's 20 s was not published by the poll;
// where the poll is the point (a notification nobody heard), it polls every 200 ms instead.
const POLL_NEVER_MS = 60_000;
// LISTEN needs its own session on the real server (the embedded one serves one connection).
const REAL_POSTGRES = await hasRealServer("PostgreSQL", TEST_DATABASE_SERVER, 5432);
const REAL_REDIS = await hasRealServer("Redis", TEST_REDIS_URL, 6379);
const redis = await provisionRedis();

let producer: TestDatabase;
let pool: pg.Pool;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  producer = await provisionDatabase("events", TEST_MIGRATIONS);
  pool = new pg.Pool(testPoolConfig(producer, 4));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await pool.query(`DELETE FROM "OutboxEvent"`);
});
afterAll(async () => {
  await pool?.end();
  await producer?.drop();
  await redis.cleanup();
});

/** One outbox row, inserted the way a producer does (on `client`: inside its open transaction). */
async function insertRow(client: pg.PoolClient | pg.Pool = pool): Promise<string> {
  const id = randomUUID();
  await client.query(`INSERT INTO "OutboxEvent" (id, type, payload) VALUES ($1, 'order.confirmed', '{}')`, [id]);
  return id;
}

/** A relay over the test database with a recording publisher, woken by a commit listener unless `listen` is false. */
function startRelay(intervalMs: number, listen = true) {
  const published: EventEnvelope[] = [];
  const publisher: EventPublisher = {
    async publish(events) {
      published.push(...events);
    },
    async close() {},
  };
  const relay = createOutboxRelay({ db: pgDatabase(pool), publisher, logger, intervalMs });
  relay.start();
  const applicationName = `test-listener-${randomBytes(4).toString("hex")}`;
  let wakes = 0;
  const listener = listen
    ? listenForOutboxCommits({
        url: producer.url,
        applicationName,
        logger,
        onCommit: () => {
          wakes++;
          relay.wake();
        },
      })
    : undefined;
  cleanups.push(async () => {
    await listener?.close();
    await relay.stop();
  });
  return {
    relay,
    listener,
    applicationName,
    wakes: () => wakes,
    isPublished: (id: string) => published.some((e) => e.id === id),
  };
}

describe.skipIf(!REAL_POSTGRES)("outbox relay woken on commit (LISTEN/NOTIFY)", () => {
  it("publishes a row as soon as its transaction commits, not at the next poll, and never before", async () => {
    const { relay, listener, isPublished } = startRelay(POLL_NEVER_MS);
    await waitFor(() => listener!.listening, "the LISTEN session");
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const id = await insertRow(client);
      // Not visible before the commit: a relay woken now finds nothing to send.
      expect(await relay.relayOnce()).toBe(0);
      await client.query("COMMIT");
      await waitFor(() => isPublished(id), "the committed row published without a poll");
    } finally {
      client.release();
    }
    // Another commit, another wake: the relay went back to sleep and is woken again.
    const second = await insertRow();
    await waitFor(() => isPublished(second), "the second row");
  });

  it("publishes a row whose notification nobody heard at the fallback poll", async () => {
    const { listener, wakes, isPublished } = startRelay(200);
    await waitFor(() => listener!.listening, "the LISTEN session");
    const before = wakes();
    const client = await pool.connect();
    try {
      // In replica mode the trigger does not fire: this commit sends no notification at all.
      await client.query("BEGIN");
      await client.query("SET LOCAL session_replication_role = replica");
      const id = await insertRow(client);
      await client.query("COMMIT");
      await waitFor(() => isPublished(id), "the unheard row published by the poll");
    } finally {
      client.release();
    }
    expect(wakes()).toBe(before);
  });

  it("listens again after its session is killed and catches up rows committed while it was gone", async () => {
    const { listener, applicationName, wakes, isPublished } = startRelay(POLL_NEVER_MS);
    await waitFor(() => listener!.listening, "the LISTEN session");
    const connects = wakes();
    const { rows } = await pool.query<{ killed: boolean }>(
      `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1`,
      [applicationName],
    );
    expect(rows).toEqual([{ killed: true }]);
    // Committed at once: most likely before the listener is back (caught by the wake after reconnecting).
    const during = await insertRow();
    await waitFor(() => wakes() > connects && listener!.listening, "the listener back");
    await waitFor(() => isPublished(during), "the row committed around the kill");
    const after = await insertRow();
    await waitFor(() => isPublished(after), "a row committed after the reconnect");
  });

  it.skipIf(!REAL_REDIS)(
    "startOutboxRelay with listenUrl: the event reaches the Redis stream without a poll",
    async () => {
      const stream = `events-${randomBytes(3).toString("hex")}`;
      const relay = startOutboxRelay({
        service: "orders",
        databaseUrl: producer.url,
        listenUrl: producer.url,
        redisUrl: redis.url!,
        redisKeyPrefix: `${redis.prefix}${stream}:`,
        intervalMs: POLL_NEVER_MS,
        logger,
      });
      const reader = connectRedis(redis.url!, "test-reader");
      cleanups.push(async () => {
        await relay.close();
        reader.disconnect();
      });
      await waitFor(() => relay.listening, "the relay's LISTEN session");
      const id = await insertRow();
      const key = streamKeys({ url: redis.url!, prefix: `${redis.prefix}${stream}:` }).stream;
      await waitFor(async () => {
        const entries = parseEntries(await reader.call("XRANGE", key, "-", "+"));
        return entries.some((e) => e.fields?.envelope && JSON.parse(e.fields.envelope).id === id);
      }, "the event on the stream");
    },
  );
});
