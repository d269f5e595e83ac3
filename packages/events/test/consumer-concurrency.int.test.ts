import { afterAll, afterEach, describe, expect, it } from "vitest";
import { hasRealServer, provisionRedis, TEST_REDIS_URL } from "@shopgraph/testing";
import { createEnvelope, type EventEnvelope, type EventHandler } from "../src/index.ts";
import { embeddedFixture, redisFixture, waitFor, type TransportFixture } from "./support.ts";

// Consumers with `concurrency` > 1, on both transports (real Redis, real PostgreSQL, real HTTP):
// bounded, still exactly once in effect, failures still retried and dead-lettered, and events of
// one ordering key never side by side nor out of order.
const redis = await provisionRedis();
const REAL_REDIS = await hasRealServer("Redis", TEST_REDIS_URL, 6379);
afterAll(() => redis.cleanup());

const transports: [string, boolean, () => TransportFixture][] = [
  ["redis-streams", REAL_REDIS, () => redisFixture({ ...redis, url: redis.url! })],
  ["embedded-http-inbox", true, embeddedFixture],
];

const counts = (ids: string[]) => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());

/** Wraps a handler to count how many run at once. */
function tracked(inner: EventHandler) {
  const state = { running: 0, max: 0 };
  const handler: EventHandler = async (event, context) => {
    state.running++;
    state.max = Math.max(state.max, state.running);
    try {
      await inner(event, context);
    } finally {
      state.running--;
    }
  };
  return { state, handler };
}

/**
 * Holds the first `n` calls until `n` have arrived, so they provably overlap; a consumer that runs
 * fewer at once releases them after `giveUpMs` instead of hanging (and the test then fails on the
 * measured maximum).
 */
function rendezvous(n: number, giveUpMs = 10_000) {
  let arrived = 0;
  let open = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  return async () => {
    arrived++;
    if (arrived >= n) open();
    if (arrived <= n) await Promise.race([gate, new Promise((r) => setTimeout(r, giveUpMs))]);
  };
}

for (const [name, available, makeFixture] of transports)
  describe.skipIf(!available)(`concurrent consumer: ${name}`, () => {
    let fixture: TransportFixture;
    afterEach(() => fixture?.close());

    it("handles up to `concurrency` events at once, each once in effect, retrying failures and dead-lettering poison", async () => {
      fixture = makeFixture();
      const group = await fixture.group("mailer");
      const batch = Array.from({ length: 12 }, (_, n) => createEnvelope("order.confirmed", { n }));
      const poison = createEnvelope("order.confirmed", { n: -1, poison: true });
      const tries = new Map<string, number>();
      const meet = rendezvous(4);
      const { state, handler } = tracked(
        group.handler(async (event, ctx) => {
          tries.set(event.id, ctx.attempt);
          await meet();
          if (event.payload.poison) throw new Error("always fails");
          // Every third event fails its first try.
          if ((event.payload.n as number) % 3 === 0 && ctx.attempt === 1) throw new Error("SMTP down");
        }),
      );
      const publisher = fixture.publisher();
      // Published twice: the copies must not both take effect, even when handled side by side.
      await publisher.publish([...batch, poison]);
      await publisher.publish(batch);
      const consumer = await fixture.consumer(group, handler, { concurrency: 4 });
      await waitFor(
        async () =>
          (await group.effects()).length >= batch.length &&
          (await consumer.deadLetters()).length === 1 &&
          (await fixture.inFlight(group)) === 0,
        "every effect and the dead letter",
      );
      expect(counts(await group.effects())).toEqual(new Map(batch.map((e) => [e.id, 1])));
      expect(state.max).toBe(4);
      for (const event of batch.filter((e) => e.payload.n % 3 === 0))
        expect(tries.get(event.id)).toBeGreaterThanOrEqual(2);
      const [dead] = await consumer.deadLetters();
      expect(dead).toMatchObject({ eventId: poison.id, attempts: 4, error: expect.stringContaining("always fails") });
    });

    it("never handles two events of one ordering key side by side or out of order", async () => {
      fixture = makeFixture();
      const group = await fixture.group("mailer");
      const keys = ["a", "b", "c"];
      // Interleaved: a0 b0 c0 a1 b1 c1 … so every batch mixes the keys.
      const batch: EventEnvelope[] = [];
      for (let seq = 0; seq < 6; seq++)
        for (const key of keys) batch.push(createEnvelope("order.shipped", { key, seq }));
      const order = new Map<string, number[]>(keys.map((k) => [k, []]));
      const active = new Map<string, number>();
      let overlaps = 0;
      // Only the three keys' first events can meet: a key's next event waits for its first.
      const meet = rendezvous(3);
      const { state, handler } = tracked(
        group.handler(async (event) => {
          const key = event.payload.key as string;
          active.set(key, (active.get(key) ?? 0) + 1);
          if (active.get(key)! > 1) overlaps++;
          order.get(key)!.push(event.payload.seq as number);
          await meet();
          // Yield a few turns so a second event of the same key would have its chance to start.
          for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
          active.set(key, active.get(key)! - 1);
        }),
      );
      await fixture.publisher().publish(batch);
      await fixture.consumer(group, handler, {
        concurrency: 4,
        orderingKey: (event) => String(event.payload.key),
      });
      await waitFor(async () => (await group.effects()).length >= batch.length, "every effect");
      expect(overlaps).toBe(0);
      for (const key of keys) expect(order.get(key)).toEqual([0, 1, 2, 3, 4, 5]);
      // The keys themselves did run side by side.
      expect(state.max).toBe(3);
    });
  });
