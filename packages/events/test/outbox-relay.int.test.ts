import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
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
  createOutboxRelay,
  pgDatabase,
  type EventEnvelope,
  type EventPublisher,
  type SqlDatabase,
} from "../src/index.ts";
import {
  embeddedFixture,
  logger,
  redisFixture,
  runCrashChild,
  TEST_MIGRATIONS,
  waitFor,
  type TransportFixture,
} from "./support.ts";

const redis = await provisionRedis();
// Concurrent relays need concurrent sessions; the embedded fallback has one (skipped there, fails in CI).
const REAL_POSTGRES = await hasRealServer("PostgreSQL", TEST_DATABASE_SERVER, 5432);
let producer: TestDatabase;
let pool: pg.Pool;
let db: SqlDatabase;
beforeAll(async () => {
  producer = await provisionDatabase("events", TEST_MIGRATIONS);
  pool = new pg.Pool(testPoolConfig(producer, 8));
  db = pgDatabase(pool);
});
afterAll(async () => {
  await pool?.end();
  await producer?.drop();
  await redis.cleanup();
});
afterEach(() => pool.query(`DELETE FROM "OutboxEvent"`));

/** Writes outbox rows the way a producer's transaction does, 1 ms apart so the order is defined. */
async function writeOutbox(n: number, type = "order.confirmed"): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  await pool.query(
    `INSERT INTO "OutboxEvent" (id, type, payload, traceparent, "occurredAt")
     SELECT id, $2, jsonb_build_object('n', ord), '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', now() + ord * interval '1 millisecond'
     FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, ord)`,
    [ids, type],
  );
  return ids;
}

const unpublished = async () =>
  (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "OutboxEvent" WHERE "publishedAt" IS NULL`)).rows[0]
    ?.n;

/** A publisher that records what it was given (the transport interface, not a database stand-in). */
function recordingPublisher(delayMs = 0): EventPublisher & { published: EventEnvelope[] } {
  const published: EventEnvelope[] = [];
  return {
    published,
    async publish(events) {
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      published.push(...events);
    },
    async close() {},
  };
}

describe("outbox relay", () => {
  it("publishes unpublished rows oldest first as envelopes, marks them, and leaves published rows alone", async () => {
    const ids = await writeOutbox(5);
    const publisher = recordingPublisher();
    const relay = createOutboxRelay({ db, publisher, logger, batchSize: 3 });
    expect(await relay.relayOnce()).toBe(3);
    expect(await relay.relayOnce()).toBe(2);
    expect(await relay.relayOnce()).toBe(0);
    expect(publisher.published.map((e) => e.id)).toEqual(ids);
    expect(publisher.published[0]).toEqual({
      id: ids[0],
      type: "order.confirmed",
      version: 1,
      occurredAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      payload: { n: 1 },
    });
    const rows = await pool.query(`SELECT "publishedAt", attempts FROM "OutboxEvent"`);
    expect(rows.rows.every((r) => r.publishedAt instanceof Date && r.attempts === 1)).toBe(true);
  });

  it("looks for waiting rows before a polled batch, not after a commit notification (wake)", async () => {
    const sent: string[] = [];
    const recorded: SqlDatabase = {
      query: (text, params) => (sent.push(text), db.query(text, params)),
      transaction: (fn) => db.transaction((query) => fn((text, params) => (sent.push(text), query(text, params)))),
    };
    const publisher = recordingPublisher();
    const relay = createOutboxRelay({ db: recorded, publisher, logger, intervalMs: 60_000, retentionMs: 0 });
    const looks = () => sent.filter((sql) => sql.includes("EXISTS")).length;
    // A poll finding nothing: one look, no transaction.
    expect(await relay.relayOnce()).toBe(0);
    expect(sent).toHaveLength(1);
    expect(looks()).toBe(1);
    relay.start();
    await waitFor(() => looks() === 2, "the loop's first poll");
    const [id] = await writeOutbox(1);
    sent.length = 0;
    relay.wake();
    await waitFor(() => publisher.published.some((e) => e.id === id), "the woken batch");
    await relay.stop();
    // Straight to the claim and the mark.
    expect(looks()).toBe(0);
    expect(sent.map((sql) => sql.trim().split(/\s+/)[0])).toEqual(["SELECT", "UPDATE"]);
  });

  it("poll (a listener's reconnect: no commit known) looks first, so an idle outbox opens no transaction", async () => {
    const sent: string[] = [];
    const recorded: SqlDatabase = {
      query: (text, params) => (sent.push(text), db.query(text, params)),
      transaction: (fn) => db.transaction((query) => fn((text, params) => (sent.push(text), query(text, params)))),
    };
    // Whatever earlier cases left unpublished goes out first: the outbox must be idle.
    while ((await createOutboxRelay({ db, publisher: recordingPublisher(), logger, retentionMs: 0 }).relayOnce()) > 0);
    const relay = createOutboxRelay({
      db: recorded,
      publisher: recordingPublisher(),
      logger,
      intervalMs: 60_000,
      retentionMs: 0,
    });
    const looks = () => sent.filter((sql) => sql.includes("EXISTS")).length;
    relay.start();
    await waitFor(() => looks() === 1, "the loop's first poll");
    relay.poll();
    await waitFor(() => looks() === 2, "the polled look");
    await new Promise((r) => setTimeout(r, 100));
    await relay.stop();
    // Two looks and nothing else: no BEGIN, claim, COMMIT on an empty outbox.
    expect(sent).toHaveLength(2);
  });

  it("stamps publishedAt when the publish succeeded, not when the batch was claimed", async () => {
    await writeOutbox(2);
    const relay = createOutboxRelay({ db, publisher: recordingPublisher(400), logger });
    const [{ claimedBefore }] = (
      await pool.query<{ claimedBefore: Date }>(`SELECT clock_timestamp() AS "claimedBefore"`)
    ).rows as [{ claimedBefore: Date }];
    expect(await relay.relayOnce()).toBe(2);
    const rows = (await pool.query<{ publishedAt: Date }>(`SELECT "publishedAt" FROM "OutboxEvent"`)).rows;
    // The publish took 400 ms after the claim: a claim-time stamp would sit within a few ms of it.
    for (const row of rows) expect(row.publishedAt.getTime() - claimedBefore.getTime()).toBeGreaterThanOrEqual(390);
  });

  it("re-publishes its replay window when the transport reports a loss, and only that window", async () => {
    const [old, recent] = [await writeOutbox(1), await writeOutbox(2)];
    const publisher = recordingPublisher();
    let lost = false;
    let marked = 0;
    const relay = createOutboxRelay({
      db,
      logger,
      lossCheckMs: 0,
      replayWindowMs: 60_000,
      publisher: { ...publisher, checkLoss: async () => lost, markIntact: async () => void marked++ },
    });
    expect(await relay.relayOnce()).toBe(3);
    // The first row was published two minutes ago: outside the window.
    await pool.query(`UPDATE "OutboxEvent" SET "publishedAt" = now() - interval '2 minutes' WHERE id = $1`, [old[0]]);
    lost = true;
    relay.start();
    await waitFor(async () => publisher.published.length === 5, "the window re-published");
    await relay.stop();
    expect(
      publisher.published
        .slice(3)
        .map((e) => e.id)
        .sort(),
    ).toEqual([...recent].sort());
    expect(marked).toBeGreaterThan(0);
    expect(await unpublished()).toBe(0);
  });

  // On one embedded session the relays would just take turns, proving nothing about SKIP LOCKED.
  it.skipIf(!REAL_POSTGRES)("never lets concurrent relays publish the same row (FOR UPDATE SKIP LOCKED)", async () => {
    const ids = await writeOutbox(200);
    const publisher = recordingPublisher(5);
    const relays = Array.from({ length: 4 }, () => createOutboxRelay({ db, publisher, logger, batchSize: 7 }));
    await Promise.all(
      relays.map(async (relay) => {
        while ((await relay.relayOnce()) > 0);
      }),
    );
    const published = publisher.published.map((e) => e.id);
    expect(published.length).toBe(200);
    expect(new Set(published)).toEqual(new Set(ids));
  });

  it("keeps rows unpublished when publishing fails, counts the attempt, and sends them on the next run", async () => {
    const ids = await writeOutbox(3);
    let down = true;
    const publisher = recordingPublisher();
    const flaky: EventPublisher = {
      publish: (events) => (down ? Promise.reject(new Error("Redis unreachable")) : publisher.publish(events)),
      close: async () => {},
    };
    const relay = createOutboxRelay({ db, publisher: flaky, logger });
    await expect(relay.relayOnce()).rejects.toThrow("Redis unreachable");
    expect(await unpublished()).toBe(3);
    expect((await pool.query(`SELECT attempts FROM "OutboxEvent"`)).rows.map((r) => r.attempts)).toEqual([1, 1, 1]);
    down = false;
    expect(await relay.relayOnce()).toBe(3);
    expect(publisher.published.map((e) => e.id)).toEqual(ids);
    expect(await unpublished()).toBe(0);
  });

  it("runs as a background loop that keeps up with new rows and stops cleanly", async () => {
    const publisher = recordingPublisher();
    const relay = createOutboxRelay({ db, publisher, logger, intervalMs: 20 });
    relay.start();
    const ids = await writeOutbox(4);
    await waitFor(() => publisher.published.length === 4, "background publish");
    await relay.stop();
    expect(publisher.published.map((e) => e.id)).toEqual(ids);
    expect(relay.healthy).toBe(false);
  });

  it.each(["users", "products", "orders"])("works on the %s subgraph's real OutboxEvent table", async (service) => {
    const migrations = fileURLToPath(new URL(`../../../subgraphs/${service}/prisma/migrations`, import.meta.url));
    const db = await provisionDatabase(service, migrations);
    const servicePool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const id = randomUUID();
      await servicePool.query(
        `INSERT INTO "OutboxEvent" (id, type, payload) VALUES ($1, 'user.registered', '{"userId":"x"}')`,
        [id],
      );
      const publisher = recordingPublisher();
      expect(await createOutboxRelay({ db: pgDatabase(servicePool), publisher, logger }).relayOnce()).toBe(1);
      expect(publisher.published).toEqual([
        expect.objectContaining({
          id,
          type: "user.registered",
          version: 1,
          traceparent: null,
          payload: { userId: "x" },
        }),
      ]);
    } finally {
      await servicePool.end();
      await db.drop();
    }
  });
});

// Without a Redis server (outside CI) the Redis Streams case is skipped; the embedded one always runs.
const REAL_REDIS = await hasRealServer("Redis", TEST_REDIS_URL, 6379);
const transports: [string, boolean, () => TransportFixture][] = [
  ["redis-streams", REAL_REDIS, () => redisFixture({ ...redis, url: redis.url! })],
  ["embedded-http-inbox", true, embeddedFixture],
];

for (const [name, available, makeFixture] of transports)
  describe.skipIf(!available)(`relay crash over ${name}`, () => {
    let fixture: TransportFixture;
    afterEach(() => fixture?.close());

    it("a relay killed mid-batch loses nothing, and consumers absorb the re-sent duplicates", async () => {
      fixture = makeFixture();
      const group = await fixture.group("mailer");
      let handled = 0;
      await fixture.consumer(
        group,
        group.handler(async () => void handled++),
      );
      const ids = await writeOutbox(10);
      // A real relay process publishes 3 of its 10 rows, then is SIGKILLed before it can commit.
      expect(await runCrashChild("relay", fixture.describe(), { databaseUrl: producer.url, killAfter: 3 })).toEqual({
        code: null,
        signal: "SIGKILL",
      });
      expect(await unpublished()).toBe(10);
      await waitFor(async () => (await group.effects()).length === 3, "the events sent before the kill");
      const relay = createOutboxRelay({ db, publisher: fixture.publisher(), logger });
      // The killed backend's row locks go away once Postgres notices the closed socket.
      await waitFor(async () => (await relay.relayOnce(), (await unpublished()) === 0), "outbox drained");
      const effects = await waitFor(
        async () => ((await group.effects()).length >= 10 ? group.effects() : null),
        "all effects",
      );
      expect(effects.sort()).toEqual([...ids].sort());
      expect(handled).toBeGreaterThanOrEqual(10);
    });
  });
