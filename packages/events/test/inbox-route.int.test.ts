import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHttpServer, type HttpServerHandle } from "@shopgraph/http";
import {
  hasRealServer,
  provisionDatabase,
  provisionRedis,
  TEST_REDIS_URL,
  testPoolConfig,
  type TestDatabase,
} from "@shopgraph/testing";
import {
  createEnvelope,
  createInboxRoute,
  pgDatabase,
  startOutboxRelay,
  streamKeys,
  type PrismaLike,
  type Query,
} from "../src/index.ts";
import { logger, TEST_MIGRATIONS, waitFor } from "./support.ts";

const TOKEN = "a-service-token-of-at-least-32-characters";
const redis = await provisionRedis();
// The Redis transport case is skipped without a Redis server outside CI.
const REAL_REDIS = await hasRealServer("Redis", TEST_REDIS_URL, 6379);
let db: TestDatabase;
let pool: pg.Pool;
let server: HttpServerHandle;
let base: string;

beforeAll(async () => {
  db = await provisionDatabase("events", TEST_MIGRATIONS);
  pool = new pg.Pool(testPoolConfig(db, 4));
  server = createHttpServer({
    logger,
    routes: {
      "POST /events": createInboxRoute({
        db: pgDatabase(pool),
        serviceToken: TOKEN,
        logger,
        bodyLimitBytes: 64 * 1024,
      }),
      "POST /open-events": createInboxRoute({ db: pgDatabase(pool), logger }),
    },
  });
  base = (await server.listen(0, "127.0.0.1")).url;
});
afterAll(async () => {
  await server?.close(100);
  await pool?.end();
  await db?.drop();
  await redis.cleanup();
});
beforeEach(() => pool.query(`DELETE FROM "InboxEvent"; DELETE FROM "OutboxEvent"`));

const push = (body: unknown, headers: Record<string, string> = { "x-service-token": TOKEN }, path = "/events") =>
  fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

describe("POST /events (embedded inbox)", () => {
  it("stores a batch idempotently and answers with what it stored", async () => {
    const events = [createEnvelope("order.shipped", { a: 1 }), createEnvelope("order.delivered", { b: 2 })];
    const first = await push({ events: [...events, { id: "nope" }] });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ accepted: 2, duplicates: 0, rejected: 1 });
    expect(await (await push({ events })).json()).toEqual({ accepted: 0, duplicates: 2, rejected: 0 });
    const rows = await pool.query(`SELECT type, status, "lastError" FROM "InboxEvent" ORDER BY type`);
    expect(rows.rows).toEqual([
      { type: "order.delivered", status: "PENDING", lastError: null },
      { type: "order.shipped", status: "PENDING", lastError: null },
      { type: "unknown", status: "DEAD", lastError: "MalformedEventError: envelope.id must be a UUID" },
    ]);
  });

  it.each([
    ["no token", {}],
    ["a wrong token", { "x-service-token": "guess-guess-guess-guess-guess-guess" }],
  ])("refuses a push with %s: 401 UNAUTHENTICATED, nothing stored", async (_name, headers) => {
    const res = await push({ events: [createEnvelope("order.shipped", {})] }, headers);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      "UNAUTHENTICATED",
    );
    expect((await pool.query(`SELECT 1 FROM "InboxEvent"`)).rowCount).toBe(0);
  });

  it("accepts loopback pushes when no service token is configured (development)", async () => {
    const res = await push({ events: [createEnvelope("order.shipped", {})] }, {}, "/open-events");
    expect(res.status).toBe(200);
  });

  it.each([
    ["malformed JSON", "{not json", 400, "BAD_REQUEST"],
    ["no events array", { event: {} }, 400, "BAD_REQUEST"],
    ["more than 100 events", { events: Array.from({ length: 101 }, () => ({})) }, 400, "BAD_REQUEST"],
    [
      "a body over the limit",
      { events: [createEnvelope("order.shipped", { pad: "x".repeat(70 * 1024) })] },
      413,
      "PAYLOAD_TOO_LARGE",
    ],
  ])("rejects %s with %i %s", async (_name, body, status, code) => {
    const res = await push(body);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      code,
    );
    expect((await pool.query(`SELECT 1 FROM "InboxEvent"`)).rowCount).toBe(0);
  });
});

describe("startOutboxRelay", () => {
  const insertOutbox = (id: string, into = pool) =>
    into.query(`INSERT INTO "OutboxEvent" (id, type, payload) VALUES ($1, 'user.registered', '{}')`, [id]);

  /**
   * The producer whose outbox the relay drains into this inbox. On a real server: this database,
   * read through the relay's own pool (`databaseUrl`). The embedded fallback serves one connection
   * at a time and the relay holds it while it pushes into this very inbox, so there the producer is
   * a second embedded database whose pool the relay borrows, the way an embedded producer lends
   * the relay its Prisma client.
   */
  async function outboxProducer(): Promise<{
    pool: pg.Pool;
    source: { databaseUrl: string } | { prisma: PrismaLike };
    close(): Promise<void>;
  }> {
    if (!db.embedded) return { pool, source: { databaseUrl: db.url }, close: async () => {} };
    const producer = await provisionDatabase("events", TEST_MIGRATIONS);
    const producerPool = new pg.Pool(testPoolConfig(producer, 1));
    const sql = pgDatabase(producerPool);
    const raw =
      (query: Query) =>
      <T>(text: string, ...values: unknown[]) =>
        query(text, values) as unknown as Promise<T>;
    return {
      pool: producerPool,
      source: {
        prisma: {
          $queryRawUnsafe: raw(sql.query),
          $transaction: (fn) => sql.transaction((query) => fn({ $queryRawUnsafe: raw(query) })),
        },
      },
      async close() {
        await producerPool.end();
        await producer.drop();
      },
    };
  }

  it("pushes the outbox over HTTP to the consumers' inboxes when there is no Redis", async () => {
    const id = randomUUID();
    const producer = await outboxProducer();
    await insertOutbox(id, producer.pool);
    const relay = startOutboxRelay({
      service: "users",
      ...producer.source,
      logger,
      pushEndpoints: [`${base}/events`],
      serviceToken: TOKEN,
      intervalMs: 20,
    });
    try {
      expect(relay.transport).toBe("http-push");
      await waitFor(
        async () => (await pool.query(`SELECT 1 FROM "InboxEvent" WHERE id = $1`, [id])).rowCount === 1,
        "inbox row",
      );
    } finally {
      await relay.close();
      await producer.close();
    }
  });

  it.skipIf(!REAL_REDIS)("publishes to the Redis events stream when REDIS_URL is set", async () => {
    const id = randomUUID();
    await insertOutbox(id);
    const relay = startOutboxRelay({
      service: "users",
      databaseUrl: db.url,
      logger,
      redisUrl: redis.url,
      redisKeyPrefix: redis.prefix,
      intervalMs: 20,
    });
    const client = new Redis(redis.url!, { protocol: 2 });
    try {
      expect(relay.transport).toBe("redis");
      const entries = await waitFor(async () => {
        const found = await client.xrange(streamKeys({ url: redis.url!, prefix: redis.prefix }).stream, "-", "+");
        return found.length > 0 ? found : null;
      }, "stream entry");
      expect(entries[0]?.[1]).toEqual(["id", id, "type", "user.registered", "envelope", expect.stringContaining(id)]);
    } finally {
      client.disconnect();
      await relay.close();
    }
  });
});
