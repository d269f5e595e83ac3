import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registry } from "@shopgraph/metrics";
import { connectPgDatabase, startOutboxRelay, type RunningOutboxRelay, type SqlDatabase } from "@shopgraph/events";
import {
  hasRealServer,
  provisionDatabase,
  startPrivateRedis,
  TEST_DATABASE_SERVER,
  testLogger,
} from "@shopgraph/testing";
import type { PrivateRedis, TestDatabase } from "@shopgraph/testing";
import { createDb as createUsersDb } from "../../users/src/db/client.ts";
import type { EmailTransport } from "../src/domain/channels.ts";
import { startTestNotifications, waitFor } from "./harness.ts";

// Issue #12 fault 2: Redis restarts EMPTY (no stream, no consumer group, no pending entries) while
// 500 events flow from a producer's outbox to the notifications consumer. Nothing is restarted but
// Redis: the consumer recreates its group on NOGROUP, the relay sees its marker gone and publishes
// its replay window again, and the consumer's processed-event record absorbs the duplicates.
// Real processes: a private redis-server (stopped and started on the same port), real PostgreSQL.
const EVENTS = 500;
const BATCH = 50;
const REAL_POSTGRES = await hasRealServer("PostgreSQL", TEST_DATABASE_SERVER, 5432);
const logger = testLogger("redis-restart");

describe.skipIf(!REAL_POSTGRES)("Redis restarted empty while events flow", () => {
  let redis: PrivateRedis;
  let users: TestDatabase;
  let sql: SqlDatabase & { close(): Promise<void> };
  let usersPrisma: ReturnType<typeof createUsersDb>;
  let relay: RunningOutboxRelay | undefined;
  let sg: Awaited<ReturnType<typeof startTestNotifications>>;
  // Every e-mail the consumer sends, per recipient. A millisecond per send keeps a backlog in the
  // stream, so the restart loses events that were published and not yet consumed.
  const sends = new Map<string, number>();
  const email: EmailTransport = {
    name: "counting-smtp",
    async send(message) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      sends.set(message.to, (sends.get(message.to) ?? 0) + 1);
    },
  };

  beforeAll(async () => {
    redis = await startPrivateRedis();
    users = await provisionDatabase("users", fileURLToPath(new URL("../../users/prisma/migrations", import.meta.url)));
    sql = connectPgDatabase(users.url, { max: 2 });
    usersPrisma = createUsersDb(users.url, 3);
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: "sg:", EVENTS_POLL_MS: "50", EVENTS_CLAIM_IDLE_MS: "1000" };
    sg = await startTestNotifications({ env, deps: { email } });
    // The users subgraph's relay, as its app.ts starts it.
    relay = startOutboxRelay({
      service: "users",
      prisma: usersPrisma,
      redisUrl: redis.url,
      redisKeyPrefix: "sg:",
      logger,
      intervalMs: 50,
    });
  }, 60_000);
  afterAll(async () => {
    await relay?.close();
    await sg?.close();
    await usersPrisma?.$disconnect();
    await sql?.close();
    await users?.drop();
    await redis?.close();
  });

  /** What users' register transaction writes: one user.registered row per account. */
  async function register(userIds: string[]): Promise<void> {
    const payload = (userId: string, i: number) => ({
      userId,
      email: `r-${userId}@example.com`,
      name: `User ${i}`,
      role: "CUSTOMER",
    });
    const rows = userIds.map((userId, i) => [randomUUID(), JSON.stringify(payload(userId, i))]);
    await sql.query(
      `INSERT INTO "OutboxEvent" (id, type, payload)
       SELECT (r->>0)::uuid, 'user.registered', (r->>1)::jsonb FROM jsonb_array_elements($1::jsonb) r`,
      [JSON.stringify(rows)],
    );
  }
  const count = async (text: string) => (await sql.query<{ n: number }>(text))[0]!.n;
  const published = () => count(`SELECT count(*)::int AS n FROM "OutboxEvent" WHERE "publishedAt" IS NOT NULL`);

  it("delivers every notification exactly once, without restarting any process", async () => {
    const ids = Array.from({ length: EVENTS }, () => randomUUID());
    let lostInFlight = 0;
    for (let b = 0; b < EVENTS / BATCH; b++) {
      await register(ids.slice(b * BATCH, (b + 1) * BATCH));
      if (b === 4) {
        // 250 events written; restart Redis once some are published but not yet consumed.
        await waitFor(async () => (await published()) >= 200, "200 events published", 20_000, 5);
        const consumed = await sg.db.notification.count({ where: { userId: { in: ids } } });
        lostInFlight = (await published()) - consumed;
        await redis.restartEmpty();
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const started = Date.now();
    const processed = () => sg.db.notification.count({ where: { userId: { in: ids } } });
    await waitFor(async () => (await processed()) === EVENTS, `all ${EVENTS} events processed`, 60_000, 50);
    const recoveredMs = Date.now() - started;
    const sent = () => sg.db.delivery.count({ where: { userId: { in: ids }, status: "SENT" } });
    await waitFor(async () => (await sent()) === EVENTS, `${EVENTS} e-mails sent`, 30_000, 50);

    // Every copy, re-published ones included, has been handled: the group exists again, it has
    // delivered everything in the stream (lag 0) and nothing is left pending. Only then are the
    // effects counted, so a duplicate handled late would be caught.
    const raw = new Redis(redis.url, { protocol: 2 });
    try {
      const pairs = (g: unknown[]) => Array.from({ length: g.length / 2 }, (_, i) => [String(g[2 * i]), g[2 * i + 1]]);
      const group = async () => {
        const groups = (await raw.call("XINFO", "GROUPS", "sg:{events}")) as unknown[][];
        return groups.map((g) => Object.fromEntries(pairs(g))).find((g) => g.name === "notifications");
      };
      await waitFor(
        async () => {
          const g = await group();
          return g && g.pending === 0 && g.lag === 0;
        },
        "the stream drained",
        30_000,
        50,
      );
    } finally {
      raw.disconnect();
    }
    // The scenario really lost events: published before the restart and not yet consumed.
    expect(lostInFlight).toBeGreaterThan(0);
    const republished = await count(`SELECT count(*)::int AS n FROM "OutboxEvent" WHERE attempts > 1`);
    expect(republished).toBeGreaterThan(0);
    expect(await registry.getSingleMetricAsString("events_replayed_total")).toMatch(
      /events_replayed_total\{service="users"\} [1-9]/,
    );
    // Exactly once: one in-app notification, one delivery row and one e-mail per registered user.
    const perUser = await sg.db.notification.groupBy({
      by: ["userId"],
      where: { userId: { in: ids } },
      _count: { _all: true },
    });
    expect(perUser).toHaveLength(EVENTS);
    expect(perUser.every((row) => row._count._all === 1)).toBe(true);
    expect(await sg.db.delivery.count({ where: { userId: { in: ids } } })).toBe(EVENTS);
    expect(sends.size).toBe(EVENTS);
    expect([...sends.values()].every((n) => n === 1)).toBe(true);
    expect((await fetch(`${sg.url}/readyz`)).status).toBe(200);
    process.stdout.write(
      `[redis-restart] ${lostInFlight} events published but unconsumed at the restart; ${republished} re-published; ` +
        `all ${EVENTS} processed ${recoveredMs} ms after the last write\n`,
    );
  }, 120_000);
});
