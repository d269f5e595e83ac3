import { afterAll, afterEach, describe, expect, it } from "vitest";
import { hasRealServer, provisionRedis, TEST_REDIS_URL } from "@shopgraph/testing";
import { createEnvelope, PermanentEventError, type EventEnvelope } from "../src/index.ts";
import { embeddedFixture, redisFixture, runCrashChild, waitFor, type TransportFixture } from "./support.ts";

// One suite, two transports: everything a consumer relies on must hold for Redis Streams and for
// the embedded HTTP-push inbox alike (real Redis, real Postgres, real HTTP).
// Without a Redis server (outside CI) the Redis Streams half is skipped; the embedded half always runs.
const redis = await provisionRedis();
const REAL_REDIS = await hasRealServer("Redis", TEST_REDIS_URL, 6379);
afterAll(() => redis.cleanup());

const transports: [string, boolean, () => TransportFixture][] = [
  ["redis-streams", REAL_REDIS, () => redisFixture({ ...redis, url: redis.url! })],
  ["embedded-http-inbox", true, embeddedFixture],
];

const events = (n: number, type = "order.confirmed"): EventEnvelope[] =>
  Array.from({ length: n }, (_, i) => createEnvelope(type, { n: i }));
const one = (): EventEnvelope => createEnvelope("order.confirmed", { n: 0 });
const counts = (ids: string[]) => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());

for (const [name, available, makeFixture] of transports)
  describe.skipIf(!available)(`event transport contract: ${name}`, () => {
    let fixture: TransportFixture;
    afterEach(() => fixture?.close());

    it("delivers every event to every group, once in effect, sharing a group's work among its instances", async () => {
      fixture = makeFixture();
      const [mailer, audit] = [await fixture.group("mailer"), await fixture.group("audit")];
      const publisher = fixture.publisher();
      for (let i = 0; i < 2; i++) await fixture.consumer(mailer, mailer.handler());
      await fixture.consumer(audit, audit.handler());
      const batch = events(30);
      await publisher.publish(batch.slice(0, 15));
      await publisher.publish(batch.slice(15));
      for (const group of [mailer, audit]) {
        const effects = await waitFor(
          async () => ((await group.effects()).length >= 30 ? group.effects() : null),
          `${group.name} effects`,
        );
        expect(new Set(effects)).toEqual(new Set(batch.map((e) => e.id)));
        expect([...counts(effects).values()].every((n) => n === 1)).toBe(true);
      }
    });

    it("absorbs duplicates: a batch published twice has one effect per event", async () => {
      fixture = makeFixture();
      const group = await fixture.group("mailer");
      const publisher = fixture.publisher();
      const batch = events(10);
      await publisher.publish(batch);
      await publisher.publish(batch);
      await fixture.consumer(group, group.handler());
      await waitFor(
        async () => (await group.effects()).length >= 10 && (await fixture.inFlight(group)) === 0,
        "effects",
      );
      expect(counts(await group.effects())).toEqual(new Map(batch.map((e) => [e.id, 1])));
    });

    it("retries a failing handler with backoff until it succeeds", async () => {
      fixture = makeFixture();
      const group = await fixture.group("mailer");
      const seen: number[] = [];
      await fixture.consumer(
        group,
        group.handler(async (_event, ctx) => {
          seen.push(ctx.attempt);
          if (ctx.attempt < 3) throw new Error("SMTP down");
        }),
      );
      const event = one();
      await fixture.publisher().publish([event]);
      await waitFor(async () => (await group.effects()).length === 1, "effect after retries");
      expect(seen).toEqual([1, 2, 3]);
    });

    it("dead-letters a poison event after maxAttempts while later events keep flowing", async () => {
      fixture = makeFixture();
      const group = await fixture.group("mailer");
      const [poison, ...rest] = events(6);
      let poisonTries = 0;
      const consumer = await fixture.consumer(
        group,
        group.handler(async (event) => {
          if (event.id === poison!.id) {
            poisonTries++;
            throw new Error("cannot render template");
          }
        }),
        { retry: { maxAttempts: 3, baseMs: 20, maxMs: 40 } },
      );
      await fixture.publisher().publish([poison!, ...rest]);
      await waitFor(async () => (await group.effects()).length === 5, "the later events");
      const [dead] = await waitFor(
        async () => ((await consumer.deadLetters()).length === 1 ? consumer.deadLetters() : null),
        "dead letter",
      );
      expect(dead).toMatchObject({
        eventId: poison!.id,
        type: "order.confirmed",
        group: "mailer",
        attempts: 3,
        error: "Error: cannot render template",
      });
      expect(JSON.parse(dead!.raw)).toMatchObject({ id: poison!.id, payload: { n: 0 } });
      expect(poisonTries).toBe(3);
      expect(await group.effects()).not.toContain(poison!.id);
      expect(await fixture.inFlight(group)).toBe(0);
    });

    it("dead-letters a PermanentEventError at once", async () => {
      fixture = makeFixture();
      const group = await fixture.group("mailer");
      const consumer = await fixture.consumer(group, async () => {
        throw new PermanentEventError("unsupported version 9");
      });
      await fixture.publisher().publish(events(1));
      const [dead] = await waitFor(
        async () => ((await consumer.deadLetters()).length > 0 ? consumer.deadLetters() : null),
        "dead letter",
      );
      expect(dead).toMatchObject({ attempts: 1, error: "PermanentEventError: unsupported version 9" });
    });

    it("dead-letters malformed events without calling the handler or stopping the consumer", async () => {
      fixture = makeFixture();
      const group = await fixture.group("mailer");
      const handled: string[] = [];
      const consumer = await fixture.consumer(
        group,
        group.handler(async (event) => void handled.push(event.id)),
      );
      await fixture.injectMalformed({ not: "an envelope" });
      await fixture.injectMalformed({ ...createEnvelope("order.confirmed", {}), type: "Not A Type!" });
      await fixture.injectMalformed("just a string");
      const good = one();
      await fixture.publisher().publish([good]);
      await waitFor(async () => (await group.effects()).length === 1, "the good event");
      const dead = await waitFor(
        async () => ((await consumer.deadLetters()).length === 3 ? consumer.deadLetters() : null),
        "3 dead letters",
      );
      expect(dead.map((d) => d.error).sort()).toEqual([
        "MalformedEventError: envelope is not an object",
        "MalformedEventError: envelope.id must be a UUID",
        "MalformedEventError: envelope.type must look like 'domain.event_name'",
      ]);
      expect(handled).toEqual([good.id]);
      expect(consumer.healthy).toBe(true);
    });

    it("reclaims the events a crashed instance took and processes them exactly once in effect", async () => {
      fixture = makeFixture();
      const group = await fixture.group("mailer");
      const batch = events(5);
      await fixture.publisher().publish(batch);
      expect(await fixture.crashConsumer(group, 5)).toBe(5);
      // The survivor considers a claim abandoned after 300 ms of silence.
      await fixture.consumer(group, group.handler(), { claimIdleMs: 300 });
      await waitFor(
        async () => (await group.effects()).length === 5 && (await fixture.inFlight(group)) === 0,
        "reclaimed events",
      );
      expect(counts(await group.effects())).toEqual(new Map(batch.map((e) => [e.id, 1])));
    });

    it("keeps events published while no consumer runs and hands them to the first one", async () => {
      fixture = makeFixture();
      const group = await fixture.group("mailer");
      const batch = events(3);
      await fixture.publisher().publish(batch);
      const first = await fixture.consumer(group, group.handler());
      await waitFor(async () => (await group.effects()).length === 3, "backlog");
      await first.stop();
      await fixture.publisher().publish(events(2));
      await fixture.consumer(group, group.handler());
      await waitFor(async () => (await group.effects()).length === 5, "events published while stopped");
    });

    // Three child processes start one after another: ~25 s on a loaded 2-core machine.
    it(
      "dead-letters an event whose every try kills its consumer (crashes count as attempts)",
      { timeout: 90_000 },
      async () => {
        fixture = makeFixture();
        const group = await fixture.group("mailer");
        const event = one();
        await fixture.publisher().publish([event]);
        for (let i = 0; i < 3; i++) {
          // A real process, SIGKILLed inside the handler: no ack, no cleanup, just a dangling claim.
          expect(await runCrashChild("consumer", fixture.describe(group), { group: "mailer", maxAttempts: 3 })).toEqual(
            {
              code: null,
              signal: "SIGKILL",
            },
          );
        }
        let called = false;
        const consumer = await fixture.consumer(group, async () => void (called = true), {
          claimIdleMs: 100,
          retry: { maxAttempts: 3, baseMs: 10, maxMs: 20 },
        });
        const [dead] = await waitFor(
          async () => ((await consumer.deadLetters()).length > 0 ? consumer.deadLetters() : null),
          "dead letter",
        );
        expect(dead).toMatchObject({
          eventId: event.id,
          attempts: 4,
          error: expect.stringContaining("gave up after 3 attempts"),
        });
        expect(called).toBe(false);
      },
    );
  });
