import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";
import { registry } from "@shopgraph/metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionRedis, startPrivateRedis, testLogger, type PrivateRedis, type TestRedis } from "@shopgraph/testing";
import {
  createHttpRevocationStore,
  createMemoryRevocationStore,
  createRedisRevocationStore,
  createRevocationList,
  startRevocations,
  type RevocationCheck,
  type RevocationStore,
  type RunningRevocations,
} from "../src/index.ts";

const logger = testLogger("revocations");
const token = (sub: string, sid?: string, iatMs = Date.now() - 1_000): RevocationCheck => ({ sub, sid, iatMs });

/** Polls `check` until true; returns how long it took (the test's propagation figure). */
async function within(ms: number, check: () => boolean): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - started;
}

describe("Redis revocation store (shared Redis, own prefix)", () => {
  let slice: TestRedis;
  let redis: Redis;
  const running: RunningRevocations[] = [];
  beforeAll(async () => {
    slice = await provisionRedis();
    if (!slice.url) throw new Error("these tests need Redis (TEST_REDIS_URL)");
    redis = new Redis(slice.url);
  });
  afterAll(async () => {
    for (const list of running) await list.stop();
    await redis?.quit();
    await slice?.cleanup();
  });
  const start = async (role: "publisher" | "reader", prefix = slice.prefix, tokenLifetimeMs?: number) => {
    const list = await startRevocations(
      { REDIS_URL: slice.url, REDIS_KEY_PREFIX: prefix, REVOCATION_POLL_MS: 1_000 },
      { role, logger, ...(tokenLifetimeMs ? { tokenLifetimeMs } : {}) },
    );
    running.push(list);
    return list;
  };

  it("reaches another process's list within milliseconds (blocking read), for sessions and for users", async () => {
    const publisher = await start("publisher");
    const reader = await start("reader");
    expect(reader.storeKind).toBe("redis");
    const [sub, sid, other] = [randomUUID(), randomUUID(), randomUUID()];
    expect(reader.isRevoked(token(sub, sid))).toBe(false);

    await publisher.revokeSession(sid);
    // The publisher's own list knows at once; the reader after its next poll.
    expect(publisher.isRevoked(token(sub, sid))).toBe(true);
    const sessionMs = await within(5_000, () => reader.isRevoked(token(sub, sid)));
    expect(sessionMs).toBeLessThan(500);
    expect(reader.isRevoked(token(sub, randomUUID()))).toBe(false);

    const issuedBefore = Date.now() - 1_000;
    await publisher.revokeUser(other);
    const userMs = await within(5_000, () => reader.isRevoked(token(other, randomUUID(), issuedBefore)));
    expect(userMs).toBeLessThan(500);
    // Tokens the user gets after the revocation are not caught by it.
    expect(reader.isRevoked(token(other, randomUUID(), Date.now() + 5))).toBe(false);
    console.log(
      `revocation propagation over Redis: session ${sessionMs.toFixed(0)} ms, user ${userMs.toFixed(0)} ms (blocking XREAD)`,
    );
  });

  it("gives a process started later every revocation still in force", async () => {
    const publisher = await start("publisher");
    const sid = randomUUID();
    await publisher.revokeSession(sid);
    const late = await start("reader");
    // start() waited for the first sync: no window where the new process accepts the token.
    expect(late.isRevoked(token(randomUUID(), sid))).toBe(true);
  });

  it("forgets revocations once no token they cover can be valid; a new reader skips them too", async () => {
    const prefix = `${slice.prefix}short:`;
    const publisher = await start("publisher", prefix, 300);
    const sid = randomUUID();
    await publisher.revokeSession(sid);
    expect(publisher.isRevoked(token(randomUUID(), sid))).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(publisher.isRevoked(token(randomUUID(), sid))).toBe(false);
    // Still in the stream (MINID "~" trims whole macro nodes, so a tiny stream keeps it): ignored on read.
    const store = createRedisRevocationStore(redis, prefix, 300);
    const fresh = createRevocationList({ store });
    await fresh.sync();
    expect(fresh.isRevoked(token(randomUUID(), sid))).toBe(false);
  });

  it("skips malformed stream entries instead of trusting them", async () => {
    const prefix = `${slice.prefix}bad:`;
    await redis.xadd(
      `${prefix}auth:revocations`,
      "*",
      "kind",
      "everything",
      "id",
      "*",
      "atMs",
      "x",
      "expiresAtMs",
      "9e15",
    );
    const sid = randomUUID();
    const good: RevocationStore = createRedisRevocationStore(redis, prefix, 60_000);
    await good.append({ kind: "session", id: sid, atMs: Date.now(), expiresAtMs: Date.now() + 60_000 });
    const { entries } = await good.read(undefined);
    expect(entries).toEqual([expect.objectContaining({ kind: "session", id: sid })]);
  });
});

describe("Redis outage (private redis-server)", () => {
  let server: PrivateRedis;
  const running: RunningRevocations[] = [];
  beforeAll(async () => {
    server = await startPrivateRedis();
  });
  afterAll(async () => {
    for (const list of running) await list.stop();
    await server?.close();
  });

  it("keeps enforcing known revocations while Redis is down, queues new ones, and delivers them when it returns empty", async () => {
    const settings = { REDIS_URL: server.url, REDIS_KEY_PREFIX: "sg:", REVOCATION_POLL_MS: 200 };
    const publisher = await startRevocations(settings, { role: "publisher", logger });
    const reader = await startRevocations(settings, { role: "reader", logger });
    running.push(publisher, reader);
    const before = randomUUID();
    await publisher.revokeSession(before);
    await within(2_000, () => reader.isRevoked(token(randomUUID(), before)));

    await server.stop();
    // A process (re)starting during the outage starts anyway, knowing nothing yet: bounded wait.
    const startedAt = performance.now();
    const blind = await startRevocations(settings, { role: "reader", logger });
    running.push(blind);
    const blindStartMs = performance.now() - startedAt;
    expect(blindStartMs).toBeLessThan(3_000);
    console.log(`a process started while Redis was down was ready in ${blindStartMs.toFixed(0)} ms`);
    expect(blind.lastSyncAt()).toBeUndefined();
    const during = randomUUID();
    const issuedBefore = Date.now() - 1_000;
    const started = performance.now();
    await publisher.revokeUser(during);
    // Redis is gone: the write fails fast (no offline queue), the publisher enforces it itself.
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(publisher.isRevoked(token(during, undefined, issuedBefore))).toBe(true);
    await expect(reader.sync()).rejects.toThrow();
    expect(reader.isRevoked(token(randomUUID(), before))).toBe(true);
    expect(reader.isRevoked(token(during, undefined, issuedBefore))).toBe(false);
    // Operators see it: one revocation waiting for Redis.
    expect(await registry.getSingleMetricAsString("auth_revocations_pending")).toMatch(
      /^auth_revocations_pending [1-9]/m,
    );

    // Back, empty (no persistence): the publisher's retry writes the queued revocation.
    await server.start();
    const ms = await within(10_000, () => reader.isRevoked(token(during, undefined, issuedBefore)));
    expect(reader.isRevoked(token(randomUUID(), before))).toBe(true);
    console.log(`revocation made during a Redis outage reached the reader ${ms.toFixed(0)} ms after Redis returned`);
    // A process started after the empty restart still learns the revocation made before the outage:
    // the publisher wrote back what it knew.
    const late = await startRevocations(settings, { role: "reader", logger });
    running.push(late);
    await within(
      5_000,
      () => late.isRevoked(token(randomUUID(), before)) && late.isRevoked(token(during, undefined, issuedBefore)),
    );
    expect(await registry.getSingleMetricAsString("auth_revocations_pending")).toMatch(/^auth_revocations_pending 0$/m);
    // The one that started blind caught up too.
    await within(5_000, () => blind.isRevoked(token(randomUUID(), before)));
    // Every list read Redis within the last few seconds.
    const ages = [
      ...(await registry.getSingleMetricAsString("auth_revocation_sync_age_seconds")).matchAll(/store="redis"} (\S+)/g),
    ].map((m) => Number(m[1]));
    expect(ages.length).toBeGreaterThan(0);
    expect(Math.max(...ages)).toBeLessThan(5);
  });
});

describe("without Redis: memory store served over HTTP", () => {
  let http: Server;
  let url: string;
  let store: RevocationStore;
  beforeAll(async () => {
    store = createMemoryRevocationStore();
    http = createServer((req, res) => {
      if (req.headers["x-service-token"] !== "feed-secret") return void res.writeHead(401).end();
      const after = new URL(req.url ?? "/", "http://x").searchParams.get("after") ?? undefined;
      void store
        .read(after)
        .then((batch) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(batch)));
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/revocations`;
  });
  afterAll(() => new Promise<void>((resolve) => http.close(() => resolve())));

  it("lets a reader follow the publisher's revocations incrementally", async () => {
    const publisher = createRevocationList({ store });
    const reader = createRevocationList({ store: createHttpRevocationStore({ url, serviceToken: "feed-secret" }) });
    const [a, b] = [randomUUID(), randomUUID()];
    await publisher.revokeSession(a);
    await reader.sync();
    expect(reader.isRevoked(token(randomUUID(), a))).toBe(true);
    await publisher.revokeUser(b);
    await reader.sync();
    expect(reader.isRevoked(token(b))).toBe(true);
    expect(reader.lastSyncAt()).toBeGreaterThan(Date.now() - 1_000);
  });

  it("refuses readers without the credential (the feed names user ids)", async () => {
    const reader = createRevocationList({ store: createHttpRevocationStore({ url, serviceToken: "wrong" }) });
    await expect(reader.sync()).rejects.toThrow(/HTTP 401/);
    const res = await fetch(url);
    expect(res.status).toBe(401);
  });

  it("re-reads everything when the publisher restarted (a cursor from its previous life)", async () => {
    const restarted = createMemoryRevocationStore();
    const sid = randomUUID();
    await restarted.append({ kind: "session", id: sid, atMs: Date.now(), expiresAtMs: Date.now() + 60_000 });
    const stale = (await store.read(undefined)).cursor;
    const { entries } = await restarted.read(stale);
    expect(entries.map((e) => e.id)).toEqual([sid]);
  });
});
