import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvelope, createRedisStreamPublisher, type EventPublisher } from "@shopgraph/events";
import { hasRealServer, provisionRedis, TEST_REDIS_URL } from "@shopgraph/testing";
import type { EmailMessage } from "../src/domain/channels.ts";
import { startTestNotifications, waitFor } from "./harness.ts";

// users publishes user.login_locked when failed passwords lock sign-in (issue #13 finding 3): the owner is e-mailed.
const redis = await provisionRedis();
const REAL_REDIS = await hasRealServer("Redis", TEST_REDIS_URL, 6379);
let sg: Awaited<ReturnType<typeof startTestNotifications>>;
let publisher: EventPublisher;
beforeAll(async () => {
  sg = await startTestNotifications({
    env: { REDIS_URL: redis.url!, REDIS_KEY_PREFIX: redis.prefix, EVENTS_MAX_ATTEMPTS: "2" },
  });
  publisher = createRedisStreamPublisher({ url: redis.url!, prefix: redis.prefix });
});
afterAll(async () => {
  await publisher?.close();
  await sg?.close();
  await redis.cleanup();
});

const emails = () => (sg.email as unknown as { sent: EmailMessage[] }).sent;
const lock = (userId: string, extra: Record<string, unknown> = {}) =>
  createEnvelope("user.login_locked", {
    userId,
    email: "locked.owner@example.com",
    name: "Lena Locked",
    role: "CUSTOMER",
    scope: "ACCOUNT_IP",
    failures: 10,
    lockedUntil: "2026-12-02T16:15:00.000Z",
    ipAddress: "203.0.113.7",
    ...extra,
  });

describe.skipIf(!REAL_REDIS)("user.login_locked", () => {
  it("e-mails the owner (even with email notifications off), saying how many attempts, from where and until when", async () => {
    const userId = randomUUID();
    // The owner turned marketing-style email off: a security notice still goes out.
    await sg.db.notificationPreference.create({ data: { userId, email: false, sms: false, inApp: true } });
    const event = lock(userId);
    await publisher.publish([event]);
    const [delivery] = await waitFor(async () => {
      const rows = await sg.db.delivery.findMany({ where: { eventId: event.id } });
      return rows.length > 0 && rows.every((d) => d.status === "SENT") ? rows : null;
    }, "lock e-mail sent");
    expect(delivery).toMatchObject({
      channel: "EMAIL",
      kind: "ACCOUNT_LOCKED",
      recipient: "locked.owner@example.com",
      userId,
    });
    expect(delivery?.attempts).toBe(1);
    const mail = emails().find((m) => m.to === "locked.owner@example.com");
    expect(mail?.subject).toBe("Sign-in to your account was paused");
    expect(mail?.text).toContain("Hi Lena");
    expect(mail?.text).toContain("10 failed sign-in attempts");
    expect(mail?.text).toContain("203.0.113.7");
    expect(mail?.text).toContain("until 2026-12-02 16:15 UTC");
    const inApp = await sg.db.notification.findMany({ where: { userId } });
    expect(inApp).toEqual([expect.objectContaining({ kind: "ACCOUNT_LOCKED", eventId: event.id })]);
  });

  it("names no address for an account-wide lock, and a redelivered event sends nothing twice", async () => {
    const userId = randomUUID();
    const event = lock(userId, { scope: "ACCOUNT", failures: 30, ipAddress: null, email: "wide.lock@example.com" });
    await publisher.publish([event]);
    await waitFor(
      async () => (await sg.db.delivery.count({ where: { eventId: event.id, status: "SENT" } })) === 1,
      "lock e-mail sent",
    );
    await publisher.publish([event]);
    await waitFor(async () => (await sg.db.processedEvent.count({ where: { eventId: event.id } })) === 1, "processed");
    await new Promise((r) => setTimeout(r, 300));
    expect(await sg.db.delivery.count({ where: { eventId: event.id } })).toBe(1);
    const sent = emails().filter((m) => m.to === "wide.lock@example.com");
    expect(sent).toEqual([expect.objectContaining({ text: expect.stringContaining("from several places") })]);
  });
});
