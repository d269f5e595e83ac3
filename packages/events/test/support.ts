import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";
import { createHttpServer, type HttpServerHandle } from "@shopgraph/http";
import { provisionDatabase, testLogger, testPoolConfig, type TestDatabase, type TestRedis } from "@shopgraph/testing";
import {
  claimInbox,
  createHttpPushPublisher,
  createInboxConsumer,
  createInboxRoute,
  createRedisStreamConsumer,
  createRedisStreamPublisher,
  pgDatabase,
  processOnce,
  streamKeys,
  type SqlDatabase,
  type ConsumerOptions,
  type EventConsumer,
  type EventEnvelope,
  type EventHandler,
  type EventPublisher,
} from "../src/index.ts";

/** Test schema: OutboxEvent, InboxEvent, ProcessedEvent (the subgraphs' shapes) and Effect. */
export const TEST_MIGRATIONS = fileURLToPath(new URL("./migrations", import.meta.url));

export const logger = testLogger("events");

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`); no timing is asserted. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  what: string,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A consuming service in a test: its own database (idempotency + effects). */
export interface TestGroup {
  name: string;
  url: string;
  pool: pg.Pool;
  db: SqlDatabase;
  /** Event ids whose effect was recorded, one entry per effect (duplicates would show twice). */
  effects(): Promise<string[]>;
  /** An idempotent handler recording one Effect row per event, plus a hook run before the effect. */
  handler(before?: EventHandler): EventHandler;
}

/** Options every consumer in the contract suite gets unless a test overrides them. */
export const FAST: Partial<ConsumerOptions> = {
  retry: { maxAttempts: 4, baseMs: 20, maxMs: 100 },
  pollIntervalMs: 50,
  batchSize: 10,
};

/** What a child process needs to build a publisher or a consumer of the same transport. */
export type ChildTransport =
  | { kind: "redis"; url: string; prefix: string; stream: string }
  | { kind: "embedded"; endpoints: string[]; serviceToken: string; databaseUrl?: string };

/** One transport under the contract suite: the same operations, whatever carries the events. */
export interface TransportFixture {
  name: string;
  group(name: string): Promise<TestGroup>;
  /** Reaches every group declared so far. */
  publisher(): EventPublisher;
  consumer(group: TestGroup, handler: EventHandler, options?: Partial<ConsumerOptions>): Promise<EventConsumer>;
  /** Delivers a malformed message the way a broken producer would. */
  injectMalformed(value: unknown): Promise<void>;
  /** Takes up to `count` events of the group as an instance that then dies without acknowledging. */
  crashConsumer(group: TestGroup, count: number): Promise<number>;
  /** Events of the group taken by some instance but not yet finished. */
  inFlight(group: TestGroup): Promise<number>;
  /** How a child process (crash tests) reaches this transport. */
  describe(group?: TestGroup): ChildTransport;
  close(): Promise<void>;
}

async function provisionGroup(
  name: string,
  cleanups: (() => Promise<void>)[],
): Promise<TestGroup & { database: TestDatabase }> {
  const database = await provisionDatabase("events", TEST_MIGRATIONS);
  const pool = new pg.Pool(testPoolConfig(database, 4));
  cleanups.push(async () => {
    await pool.end();
    await database.drop();
  });
  return {
    name,
    database,
    url: database.url,
    pool,
    db: pgDatabase(pool),
    async effects() {
      const { rows } = await pool.query<{ eventId: string }>(
        `SELECT "eventId" FROM "Effect" WHERE consumer = $1 ORDER BY id`,
        [name],
      );
      return rows.map((r) => r.eventId);
    },
    handler(before) {
      return async (event: EventEnvelope, context) => {
        await before?.(event, context);
        await processOnce(pgDatabase(pool), event, (query) =>
          query(`INSERT INTO "Effect" ("eventId", consumer) VALUES ($1, $2)`, [event.id, name]).then(() => undefined),
        );
      };
    },
  };
}

/** Redis Streams: one stream per fixture under the test's key prefix. */
export function redisFixture(redis: TestRedis & { url: string }): TransportFixture {
  const streams = { url: redis.url, prefix: redis.prefix, stream: `events-${randomBytes(3).toString("hex")}` };
  const cleanups: (() => Promise<void>)[] = [];
  const raw = new Redis(redis.url, { protocol: 2 });
  const groups: TestGroup[] = [];
  return {
    name: "redis-streams",
    async group(name) {
      const group = await provisionGroup(name, cleanups);
      groups.push(group);
      return group;
    },
    publisher() {
      const publisher = createRedisStreamPublisher(streams);
      cleanups.push(() => publisher.close());
      return publisher;
    },
    async consumer(group, handler, options = {}) {
      const consumer = createRedisStreamConsumer({
        ...streams,
        ...FAST,
        blockMs: 50,
        ...options,
        group: group.name,
        handler,
        logger,
      });
      cleanups.unshift(() => consumer.stop());
      await consumer.start();
      return consumer;
    },
    async injectMalformed(value) {
      await raw.xadd(streamKeys(streams).stream, "*", "envelope", JSON.stringify(value));
    },
    async crashConsumer(group, count) {
      const { stream } = streamKeys(streams);
      await raw.call("XGROUP", "CREATE", stream, group.name, "0", "MKSTREAM").catch(() => undefined);
      const reply = (await raw.call(
        "XREADGROUP",
        "GROUP",
        group.name,
        "crashed",
        "COUNT",
        count,
        "STREAMS",
        stream,
        ">",
      )) as [string, unknown[]][] | null;
      return reply?.[0]?.[1].length ?? 0;
    },
    async inFlight(group) {
      const [count] = (await raw.call("XPENDING", streamKeys(streams).stream, group.name)) as [number];
      return count;
    },
    describe: () => ({ kind: "redis", ...streams }),
    async close() {
      for (const cleanup of cleanups) await cleanup();
      raw.disconnect();
    },
  };
}

/** Embedded: HTTP push into each group's inbox table, served by a real HTTP server per group. */
export function embeddedFixture(): TransportFixture {
  const serviceToken = randomBytes(24).toString("base64url");
  const cleanups: (() => Promise<void>)[] = [];
  const endpoints = new Map<string, { url: string; consumers: EventConsumer[] }>();
  return {
    name: "embedded-http-inbox",
    async group(name) {
      const group = await provisionGroup(name, cleanups);
      const entry = { url: "", consumers: [] as EventConsumer[] };
      const route = createInboxRoute({
        db: group.db,
        serviceToken,
        logger,
        onStored: () => entry.consumers.forEach((c) => c.wake()),
      });
      const http: HttpServerHandle = createHttpServer({ logger, routes: { "POST /events": route } });
      entry.url = `${(await http.listen(0, "127.0.0.1")).url}/events`;
      endpoints.set(name, entry);
      cleanups.unshift(() => http.close(100));
      return group;
    },
    publisher() {
      return createHttpPushPublisher({ endpoints: [...endpoints.values()].map((e) => e.url), serviceToken });
    },
    async consumer(group, handler, options = {}) {
      const consumer = createInboxConsumer({ db: group.db, ...FAST, ...options, group: group.name, handler, logger });
      endpoints.get(group.name)?.consumers.push(consumer);
      cleanups.unshift(() => consumer.stop());
      await consumer.start();
      return consumer;
    },
    async injectMalformed(value) {
      for (const { url } of endpoints.values()) {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "x-service-token": serviceToken },
          body: JSON.stringify({ events: [value] }),
        });
        if (!res.ok) throw new Error(`inject failed: ${res.status}`);
      }
    },
    async crashConsumer(group, count) {
      // A worker that leases rows for 300 ms and dies: the lease is what a crash leaves behind.
      return (await claimInbox(group.db, "InboxEvent", "crashed", 300, count)).length;
    },
    async inFlight(group) {
      const { rows } = await group.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "InboxEvent" WHERE status = 'PENDING'`,
      );
      return rows[0]?.n ?? 0;
    },
    describe: (group) => ({
      kind: "embedded",
      endpoints: [...endpoints.values()].map((e) => e.url),
      serviceToken,
      ...(group ? { databaseUrl: group.url } : {}),
    }),
    async close() {
      for (const cleanup of cleanups) await cleanup();
    },
  };
}

/** Runs test/crash-child.ts, which crashes on purpose (SIGKILL or exit 70); resolves with how it ended. */
export function runCrashChild(
  mode: "relay" | "consumer",
  transport: ChildTransport,
  extra: Record<string, unknown> = {},
): Promise<{ code: number | null; signal: string | null }> {
  const script = fileURLToPath(new URL("./crash-child.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, mode, JSON.stringify({ transport, ...extra })], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}
