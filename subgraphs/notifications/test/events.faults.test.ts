import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectPgDatabase,
  createEnvelope,
  createRedisStreamPublisher,
  startOutboxRelay,
  streamKeys,
  type EventEnvelope,
  type EventPublisher,
} from "@shopgraph/events";
import { seedCustomer } from "@shopgraph/fixtures";
import {
  hasRealServer,
  provisionDatabase,
  provisionRedis,
  TEST_DATABASE_SERVER,
  TEST_REDIS_URL,
  testLogger,
} from "@shopgraph/testing";
import { createDb as createUsersDb } from "../../users/src/db/client.ts";
import { createRecordingEmailTransport, type EmailTransport } from "../src/domain/channels.ts";
import { startTestNotifications, waitFor } from "./harness.ts";

// Fault tests on real Redis Streams and real Postgres. Each block has its own key prefix (its
// own stream), so the consumers of one block never see another block's events.
const redis = await provisionRedis();
const url = redis.url!;
afterAll(() => redis.cleanup());
// Without the servers (outside CI) these are skipped: Redis Streams for all of them, and real
// PostgreSQL where several pools or processes share one database (the embedded fallback serves
// one connection at a time).
const REAL_REDIS = await hasRealServer("Redis", TEST_REDIS_URL, 6379);
const REAL_POSTGRES = await hasRealServer("PostgreSQL", TEST_DATABASE_SERVER, 5432);
const logger = testLogger("faults");

const order = (type: string, customerId = seedCustomer.id, extra: Record<string, unknown> = {}) =>
  createEnvelope(type, {
    orderId: randomUUID(),
    number: 77,
    customerId,
    status: "PAID",
    total: { amount: "12.50", currencyCode: "GBP" },
    ...extra,
  });

describe.skipIf(!REAL_REDIS)("event and delivery faults", () => {
  const prefix = `${redis.prefix}a:`;
  // An SMTP server that can be down for everyone, or reject chosen recipients for good.
  const smtp = { down: false, rejects: new Set<string>() };
  const recorder = createRecordingEmailTransport(logger);
  const email: EmailTransport = {
    name: "flaky-smtp",
    async send(message) {
      if (smtp.down) throw new Error("SMTP 421 4.4.2 mx.example.com: connection timed out");
      if (smtp.rejects.has(message.to)) throw new Error("SMTP 550 5.1.1 mailbox unavailable");
      await recorder.send(message);
    },
  };
  let sg: Awaited<ReturnType<typeof startTestNotifications>>;
  let publisher: EventPublisher;
  beforeAll(async () => {
    sg = await startTestNotifications({
      env: {
        REDIS_URL: url,
        REDIS_KEY_PREFIX: prefix,
        EVENTS_MAX_ATTEMPTS: "3",
        DELIVERY_MAX_ATTEMPTS: "4",
        DELIVERY_RETRY_BASE_MS: "200",
      },
      deps: { email },
    });
    publisher = createRedisStreamPublisher({ url, prefix });
  });
  afterAll(async () => {
    await publisher?.close();
    await sg?.close();
  });
  const processedAt = async (event: EventEnvelope) =>
    (await sg.db.processedEvent.findUnique({ where: { eventId: event.id } }))?.processedAt;

  it("moves a poison event to the dead letters after N attempts while later events are processed", async () => {
    const poison = createEnvelope("order.confirmed", { orderId: "not-a-uuid", number: 1 });
    const later = [order("order.confirmed"), order("order.shipped", seedCustomer.id, { trackingNumber: "T-1" })];
    await publisher.publish([poison, ...later]);
    const dead = await waitFor(
      async () => (await sg.consumer.deadLetters()).find((d) => d.eventId === poison.id),
      "poison in dead letters",
    );
    expect(dead).toMatchObject({
      type: "order.confirmed",
      group: "notifications",
      attempts: 3,
      error: expect.stringContaining("invalid order.confirmed v1 payload"),
    });
    for (const event of later) {
      const at = await waitFor(() => processedAt(event), "later event processed");
      // The poison's retries never held the stream up: the later events went first.
      expect(at.getTime()).toBeLessThanOrEqual(dead.deadAt.getTime());
    }
    expect(await sg.db.processedEvent.findUnique({ where: { eventId: poison.id } })).toBeNull();
  });

  it("retries email while the SMTP server is down and sends it once it recovers", async () => {
    smtp.down = true;
    const event = order("order.delivered");
    await publisher.publish([event]);
    const failed = await waitFor(
      async () => sg.db.delivery.findFirst({ where: { eventId: event.id, status: "FAILED" } }),
      "a failed attempt",
    );
    expect(failed).toMatchObject({
      channel: "EMAIL",
      lastError: expect.stringContaining("SMTP 421"),
      nextAttemptAt: expect.any(Date),
      sentAt: null,
    });
    expect(failed.attempts).toBeGreaterThanOrEqual(1);
    smtp.down = false;
    const sent = await waitFor(
      async () => sg.db.delivery.findFirst({ where: { eventId: event.id, status: "SENT" } }),
      "sent after recovery",
    );
    expect(sent).toMatchObject({ lastError: null, nextAttemptAt: null, sentAt: expect.any(Date) });
    expect(sent.attempts).toBeGreaterThan(failed.attempts);
    expect(recorder.sent.filter((m) => m.subject === "Order SG-000077 was delivered")).toHaveLength(1);
  });

  it("dead-letters a delivery after DELIVERY_MAX_ATTEMPTS, without holding up other mail", async () => {
    const userId = randomUUID();
    smtp.rejects.add("bounce@example.com");
    const registered = createEnvelope("user.registered", {
      userId,
      email: "bounce@example.com",
      name: "Bo",
      role: "CUSTOMER",
    });
    const other = order("order.confirmed");
    await publisher.publish([registered, other]);
    await waitFor(
      async () => sg.db.delivery.findFirst({ where: { eventId: other.id, status: "SENT" } }),
      "other mail sent",
    );
    const dead = await waitFor(
      async () => sg.db.delivery.findFirst({ where: { eventId: registered.id, status: "DEAD_LETTERED" } }),
      "dead-lettered delivery",
    );
    expect(dead).toMatchObject({
      attempts: 4,
      lastError: expect.stringContaining("SMTP 550"),
      nextAttemptAt: null,
      sentAt: null,
    });
    expect(recorder.sent.some((m) => m.to === "bounce@example.com")).toBe(false);
    const log = await sg.query(
      `{ deliveries(status: DEAD_LETTERED) { edges { node { recipient attempts lastError } } } }`,
      { token: await sg.token(randomUUID(), "ADMIN") },
    );
    expect(log.data?.deliveries.edges).toEqual([
      { node: { recipient: "b***@example.com", attempts: 4, lastError: expect.stringContaining("SMTP 550") } },
    ]);
  });

  it.skipIf(!REAL_POSTGRES)(
    "loses nothing when a producer's relay is killed mid-batch; the re-sent duplicates are absorbed",
    async () => {
      const users = await provisionDatabase(
        "users",
        fileURLToPath(new URL("../../users/prisma/migrations", import.meta.url)),
      );
      const sql = connectPgDatabase(users.url);
      const usersPrisma = createUsersDb(users.url, 2);
      try {
        const ids = Array.from({ length: 10 }, () => randomUUID());
        // What users' register transaction writes: one user.registered row per account.
        for (const [i, userId] of ids.entries()) {
          await sql.query(
            `INSERT INTO "OutboxEvent" (id, type, payload, "occurredAt") VALUES ($1, 'user.registered', $2, now() + $3 * interval '1 millisecond')`,
            [
              randomUUID(),
              JSON.stringify({ userId, email: `relay${i}@example.com`, name: `Relay ${i}`, role: "CUSTOMER" }),
              i,
            ],
          );
        }
        const victim = fileURLToPath(new URL("./relay-victim.ts", import.meta.url));
        const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            [victim, JSON.stringify({ databaseUrl: users.url, redisUrl: url, prefix, killAfter: 3 })],
            { stdio: "inherit" },
          );
          child.once("error", reject);
          child.once("exit", (code, signal) => resolve({ code, signal }));
        });
        expect(exit).toEqual({ code: null, signal: "SIGKILL" });
        const unpublished = async () =>
          (
            await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "OutboxEvent" WHERE "publishedAt" IS NULL`)
          )[0]?.n;
        expect(await unpublished()).toBe(10);
        // Three events escaped before the kill and are consumed already.
        await waitFor(
          async () => (await sg.db.notification.count({ where: { userId: { in: ids } } })) === 3,
          "the 3 events published before the kill",
        );
        // The users subgraph's relay, exactly as its app.ts starts it, sends the whole batch again.
        const relay = startOutboxRelay({
          service: "users",
          prisma: usersPrisma,
          redisUrl: url,
          redisKeyPrefix: prefix,
          logger,
          intervalMs: 50,
        });
        try {
          await waitFor(async () => (await unpublished()) === 0, "outbox drained");
          await waitFor(
            async () => (await sg.db.delivery.count({ where: { userId: { in: ids }, status: "SENT" } })) === 10,
            "10 welcome emails sent",
          );
        } finally {
          await relay.close();
        }
        const welcomes = await sg.db.notification.groupBy({
          by: ["userId"],
          where: { userId: { in: ids } },
          _count: { _all: true },
        });
        expect(welcomes.map((w) => w._count._all)).toEqual(Array(10).fill(1));
        expect(await sg.db.delivery.count({ where: { userId: { in: ids } } })).toBe(10);
      } finally {
        await usersPrisma.$disconnect();
        await sql.close();
        await users.drop();
      }
    },
  );
});

describe.skipIf(!REAL_REDIS)("consumer crash", () => {
  it("reclaims the pending entries of a consumer that read and never acked, and processes them once", async () => {
    const prefix = `${redis.prefix}b:`;
    const { stream } = streamKeys({ url, prefix });
    const events = [order("order.confirmed"), order("order.shipped"), order("order.cancelled")];
    const publisher = createRedisStreamPublisher({ url, prefix });
    await publisher.publish(events);
    await publisher.close();
    // An instance of the "notifications" group takes the three events, then dies without acking.
    const raw = new Redis(url, { protocol: 2 });
    await raw.call("XGROUP", "CREATE", stream, "notifications", "0", "MKSTREAM");
    const taken = (await raw.call(
      "XREADGROUP",
      "GROUP",
      "notifications",
      "crashed-instance",
      "COUNT",
      10,
      "STREAMS",
      stream,
      ">",
    )) as [string, unknown[]][];
    expect(taken[0]?.[1]).toHaveLength(3);
    // A survivor that considers an entry abandoned after 300 ms of silence.
    const sg = await startTestNotifications({
      env: { REDIS_URL: url, REDIS_KEY_PREFIX: prefix, EVENTS_CLAIM_IDLE_MS: "300" },
    });
    try {
      const ids = events.map((e) => e.id);
      await waitFor(
        async () => (await sg.db.processedEvent.count({ where: { eventId: { in: ids } } })) === 3,
        "reclaimed events processed",
      );
      await waitFor(
        async () => ((await raw.call("XPENDING", stream, "notifications")) as [number])[0] === 0,
        "nothing left pending",
      );
      for (const id of ids) {
        expect(await sg.db.notification.count({ where: { eventId: id } })).toBe(1);
        expect(await sg.db.delivery.count({ where: { eventId: id } })).toBe(1);
      }
    } finally {
      raw.disconnect();
      await sg.close();
    }
  });
});

describe.skipIf(!REAL_REDIS || !REAL_POSTGRES)("horizontal scale", () => {
  it("two instances in one consumer group share the events; each has one effect", async () => {
    const prefix = `${redis.prefix}c:`;
    const first = await startTestNotifications({ env: { REDIS_URL: url, REDIS_KEY_PREFIX: prefix } });
    const second = await startTestNotifications({
      env: { REDIS_URL: url, REDIS_KEY_PREFIX: prefix },
      sharedDatabase: first.database,
    });
    const publisher = createRedisStreamPublisher({ url, prefix });
    try {
      const events = Array.from({ length: 20 }, () => order("order.confirmed"));
      await publisher.publish(events);
      const ids = events.map((e) => e.id);
      await waitFor(
        async () => (await first.db.delivery.count({ where: { eventId: { in: ids }, status: "SENT" } })) === 20,
        "20 emails sent",
      );
      expect(await first.db.notification.count({ where: { eventId: { in: ids } } })).toBe(20);
      const sent = [first, second]
        .flatMap((sg) => (sg.email as unknown as { sent: { subject: string }[] }).sent)
        .filter((m) => m.subject === "Order SG-000077 confirmed");
      expect(sent).toHaveLength(20);
    } finally {
      await publisher.close();
      await second.close();
      await first.close();
    }
  });
});
