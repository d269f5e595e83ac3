import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createEnvelope,
  createHttpPushPublisher,
  createRedisStreamPublisher,
  streamKeys,
  type EventEnvelope,
} from "@shopgraph/events";
import { seedUsers } from "@shopgraph/fixtures";
import {
  hasRealServer,
  provisionDatabase,
  provisionRedis,
  TEST_DATABASE_SERVER,
  TEST_REDIS_URL,
  testLogger,
  type TestDatabase,
} from "@shopgraph/testing";
import { createDb, type Db } from "../src/db/client.ts";
import { CONSUMER_GROUP } from "../src/event-consumer.ts";
import { seedNotificationsDatabase } from "../src/seed.ts";
import { NOTIFICATIONS_MIGRATIONS, waitFor } from "./harness.ts";

// The fault test: SIGKILL the notifications consumer while 1,000 events are in flight,
// restart it, and every event yields exactly one in-app notification and at most its configured
// deliveries: none lost, none duplicated. Real processes, real Postgres, real Redis.
const EVENTS = 1_000;
/** Processed events after which the first process is killed: well into the batch, far from its end. */
const KILL_AFTER = 200;
/**
 * Bounds of the waits. About 15 s per test on an idle 2-core machine; the margin is for a machine
 * saturated by parallel test files. Nothing asserts a duration.
 */
const WAIT_MS = 60_000;
const POLL_MS = 100;
const CHILD = fileURLToPath(new URL("./consumer-child.ts", import.meta.url));
const SERVICE_TOKEN = "sigkill-test-service-token-0123456789abcdef";
const redis = await provisionRedis();
afterAll(() => redis.cleanup());
/**
 * The test process watches the database while the child consumes from it: two processes, each
 * with its own sessions, on one database. The embedded fallback serves one connection at a time,
 * so without a real PostgreSQL (and, for the first test, Redis) these are skipped (fail in CI).
 */
const REAL_POSTGRES = await hasRealServer("PostgreSQL", TEST_DATABASE_SERVER, 5432);
const REAL_REDIS = await hasRealServer("Redis", TEST_REDIS_URL, 6379);

/** Every child spawned by the current test (ended in afterEach if the test left one running). */
const children: ChildProcess[] = [];

/** The notifications service as a child process; resolves once it serves. */
async function spawnNotifications(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; exited: Promise<{ code: number | null; signal: string | null }> }> {
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.push(child);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.once("message", (message) => resolve((message as { url: string }).url));
    child.once("error", reject);
    void exited.then(({ code, signal }) =>
      reject(new Error(`notifications child exited before it was ready (${signal ?? code})`)),
    );
  });
  return { child, url, exited };
}

let database: TestDatabase;
let db: Db;
beforeEach(async () => {
  database = await provisionDatabase("notifications", NOTIFICATIONS_MIGRATIONS);
  db = createDb(database.url, 2);
  await seedNotificationsDatabase(db, testLogger()); // the contacts of the seeded users
});
afterEach(async () => {
  // A test that failed half-way leaves a child running: end it before its database goes.
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
  await db?.$disconnect();
  await database?.drop();
});

/** Both processes' environment: fast polls, a crashed claim taken over after 1 s. */
const childEnv = (extra: Record<string, string> = {}) => ({
  NODE_ENV: "test",
  LOG_LEVEL: "silent",
  TEST_LOG_LEVEL: "silent",
  HOST: "127.0.0.1",
  PORT: "0",
  SEED: "false",
  DATABASE_URL: database.url,
  DATABASE_POOL_MAX: String(database.poolMax),
  SERVICE_TOKEN,
  EVENTS_POLL_MS: "50",
  EVENTS_RETRY_BASE_MS: "50",
  EVENTS_CLAIM_IDLE_MS: "1000",
  EVENTS_MAX_ATTEMPTS: "5",
  ...extra,
});

/**
 * 1,000 events for known contacts: a tenth are registrations of new users, the rest order events
 * of the seeded users, one of whom also wants SMS (2 deliveries per event) and one no email (0).
 */
async function scenario(): Promise<{ events: EventEnvelope[]; deliveriesOf: Map<string, number> }> {
  const [smsUser, quietUser] = [seedUsers[2]!, seedUsers[3]!];
  await db.notificationPreference.createMany({
    data: [
      { userId: smsUser.id, email: true, sms: true, inApp: true, phoneNumber: "+447700900123" },
      { userId: quietUser.id, email: false, sms: false, inApp: true, phoneNumber: null },
    ],
  });
  const types = ["order.confirmed", "order.shipped", "order.delivered", "order.cancelled", "order.payment_failed"];
  const events: EventEnvelope[] = [];
  const deliveriesOf = new Map<string, number>();
  for (let i = 0; i < EVENTS; i++) {
    if (i % 10 === 0) {
      const event = createEnvelope("user.registered", {
        userId: randomUUID(),
        email: `kill${i}@example.com`,
        name: `Kill ${i}`,
        role: "CUSTOMER",
      });
      events.push(event);
      deliveriesOf.set(event.id, 1);
      continue;
    }
    const customer = seedUsers[i % seedUsers.length]!;
    const event = createEnvelope(types[i % types.length]!, {
      orderId: randomUUID(),
      number: i + 1,
      customerId: customer.id,
      status: "PAID",
      total: { amount: "19.99", currencyCode: "USD" },
      trackingNumber: "1Z999AA10123456784",
    });
    events.push(event);
    deliveriesOf.set(event.id, customer.id === smsUser.id ? 2 : customer.id === quietUser.id ? 0 : 1);
  }
  return { events, deliveriesOf };
}

const processedCount = () => db.processedEvent.count();

/** Waits until the first process is well into the batch, SIGKILLs it, and says how far it got. */
async function killMidway(first: Awaited<ReturnType<typeof spawnNotifications>>): Promise<number> {
  await waitFor(async () => (await processedCount()) >= KILL_AFTER, `${KILL_AFTER} events processed`, WAIT_MS, POLL_MS);
  first.child.kill("SIGKILL");
  expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });
  return processedCount();
}

/** Exactly one notification per event, exactly the configured deliveries, one ProcessedEvent each. */
async function expectExactlyOnce(events: EventEnvelope[], deliveriesOf: Map<string, number>): Promise<void> {
  const ids = events.map((e) => e.id);
  expect(await db.processedEvent.count({ where: { eventId: { in: ids } } })).toBe(EVENTS);
  const notifications = await db.notification.groupBy({
    by: ["eventId"],
    where: { eventId: { not: null } },
    _count: { _all: true },
  });
  expect(notifications).toHaveLength(EVENTS);
  expect(new Set(notifications.map((n) => n.eventId))).toEqual(new Set(ids));
  expect(notifications.filter((n) => n._count._all !== 1)).toEqual([]);
  const deliveries = await db.delivery.groupBy({
    by: ["eventId"],
    where: { eventId: { not: null } },
    _count: { _all: true },
  });
  const actual = new Map(deliveries.map((d) => [d.eventId!, d._count._all]));
  const wrong = ids.filter((id) => (actual.get(id) ?? 0) !== deliveriesOf.get(id));
  expect(wrong).toEqual([]);
  expect(await db.delivery.count({ where: { eventId: { not: null } } })).toBe(
    [...deliveriesOf.values()].reduce((a, b) => a + b, 0),
  );
}

describe.skipIf(!REAL_REDIS || !REAL_POSTGRES)("SIGKILL of the notifications consumer: Redis Streams", () => {
  it("loses and duplicates nothing of 1,000 in-flight events when the process is killed and restarted", async () => {
    const prefix = `${redis.prefix}kill:`;
    const { events, deliveriesOf } = await scenario();
    const publisher = createRedisStreamPublisher({ url: redis.url!, prefix });
    await publisher.publish(events);
    await publisher.close();
    const env = childEnv({ REDIS_URL: redis.url!, REDIS_KEY_PREFIX: prefix });

    const processedAtKill = await killMidway(await spawnNotifications(env));
    expect(processedAtKill).toBeLessThan(EVENTS);
    // A new instance: its own consumer name; the dead one's unacknowledged entries are reclaimed.
    const second = await spawnNotifications(env);
    const raw = new Redis(redis.url!, { protocol: 2 });
    try {
      const keys = streamKeys({ url: redis.url!, prefix }, CONSUMER_GROUP);
      await waitFor(
        async () =>
          (await processedCount()) === EVENTS &&
          ((await raw.call("XPENDING", keys.stream, CONSUMER_GROUP)) as [number])[0] === 0,
        "every event processed and acknowledged",
        WAIT_MS,
        POLL_MS,
      );
      expect(await raw.xlen(keys.deadLetters)).toBe(0);
    } finally {
      raw.disconnect();
      second.child.kill("SIGTERM");
      await second.exited;
    }
    await expectExactlyOnce(events, deliveriesOf);
  }, 150_000);
});

describe.skipIf(!REAL_POSTGRES)("SIGKILL of the notifications consumer: embedded HTTP-push inbox", () => {
  it("loses and duplicates nothing of 1,000 pushed events when the process holding the inbox worker is killed", async () => {
    const { events, deliveriesOf } = await scenario();
    const env = childEnv();
    const first = await spawnNotifications(env);
    // The producers' relays push here; each batch is stored in the inbox before the 200.
    await createHttpPushPublisher({ endpoints: [`${first.url}/events`], serviceToken: SERVICE_TOKEN }).publish(events);
    expect(await db.inboxEvent.count()).toBe(EVENTS);

    const processedAtKill = await killMidway(first);
    expect(processedAtKill).toBeLessThan(EVENTS);
    // The restarted process takes over the rows whose lease the dead worker held.
    const second = await spawnNotifications(env);
    try {
      await waitFor(
        async () => (await db.inboxEvent.count({ where: { status: "PROCESSED" } })) === EVENTS,
        "every inbox row processed",
        WAIT_MS,
        POLL_MS,
      );
      expect(await db.inboxEvent.count({ where: { status: { not: "PROCESSED" } } })).toBe(0);
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
    await expectExactlyOnce(events, deliveriesOf);
  }, 150_000);
});
