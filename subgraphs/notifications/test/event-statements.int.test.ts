import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvelope, type HandlerContext } from "@shopgraph/events";
import { provisionDatabase, testLogger, type TestDatabase } from "@shopgraph/testing";
import { createDb, type Db } from "../src/db/client.ts";
import { createNotificationsEventHandler } from "../src/domain/event-handlers.ts";
import { NOTIFICATIONS_MIGRATIONS } from "./harness.ts";

// The handler called directly (no consumer, no sender) over a client that records every statement.
let database: TestDatabase;
let db: Db;
const statements: string[] = [];
beforeAll(async () => {
  database = await provisionDatabase("notifications", NOTIFICATIONS_MIGRATIONS);
  db = createDb(database.url, database.poolMax, (query) => statements.push(query));
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const context = (attempt = 1): HandlerContext => ({
  attempt,
  maxAttempts: 3,
  isLastAttempt: attempt === 3,
  logger: testLogger("notifications"),
});
const handler = () => createNotificationsEventHandler({ db, templates: { storefrontUrl: "https://shop.example" } });
const orderEvent = (customerId: string) =>
  createEnvelope("order.confirmed", {
    orderId: randomUUID(),
    number: 7,
    customerId,
    status: "PAID",
    total: { amount: "9.99", currencyCode: "USD" },
  });

/** A customer with a contact, SMS on, and two push devices: every channel of an order event. */
async function customerOnEveryChannel(): Promise<string> {
  const userId = randomUUID();
  await db.contact.create({ data: { userId, email: "every@example.com", name: "Every Channel", role: "CUSTOMER" } });
  await db.notificationPreference.create({ data: { userId, sms: true, phoneNumber: "+15555550123" } });
  await db.pushDevice.createMany({
    data: [
      { userId, platform: "ANDROID", token: `android-${userId}` },
      { userId, platform: "IOS", token: `ios-${userId}` },
    ],
  });
  return userId;
}

async function run(event: ReturnType<typeof orderEvent>, attempt = 1): Promise<string[]> {
  statements.length = 0;
  await handler()(event, context(attempt));
  return [...statements];
}

describe("statements per consumed event", () => {
  it("an order event for every channel costs two statements: one read of the recipient, one write of everything", async () => {
    const userId = await customerOnEveryChannel();
    const event = orderEvent(userId);
    const sql = await run(event);
    expect(sql).toHaveLength(2);
    expect(sql.some((s) => /\b(BEGIN|COMMIT)\b/.test(s))).toBe(false);
    const deliveries = await db.delivery.findMany({ where: { eventId: event.id }, orderBy: { recipient: "asc" } });
    expect(deliveries.map((d) => [d.channel, d.recipient, d.status])).toEqual([
      ["SMS", "+15555550123", "PENDING"],
      ["PUSH", `android-${userId}`, "PENDING"],
      ["EMAIL", "every@example.com", "PENDING"],
      ["PUSH", `ios-${userId}`, "PENDING"],
    ]);
    expect(deliveries.every((d) => d.nextAttemptAt instanceof Date)).toBe(true);
    expect(await db.notification.count({ where: { eventId: event.id, userId } })).toBe(1);
    expect(await db.processedEvent.count({ where: { eventId: event.id } })).toBe(1);
  });

  it("a redelivered event changes nothing (two statements again, no second row anywhere)", async () => {
    const userId = await customerOnEveryChannel();
    const event = orderEvent(userId);
    await run(event);
    // Preferences changed meanwhile: a redelivery must not queue the new channel's message.
    await db.notificationPreference.update({ where: { userId }, data: { sms: false, push: false } });
    expect(await run(event)).toHaveLength(2);
    expect(await db.delivery.count({ where: { eventId: event.id } })).toBe(4);
    expect(await db.notification.count({ where: { eventId: event.id } })).toBe(1);
  });

  it("opt-outs hold: in-app and email off, SMS off, no devices → no notification and no delivery, event still processed", async () => {
    const userId = randomUUID();
    await db.contact.create({ data: { userId, email: "quiet@example.com", name: "Quiet", role: "CUSTOMER" } });
    await db.notificationPreference.create({ data: { userId, email: false, inApp: false, push: false } });
    const event = orderEvent(userId);
    await run(event);
    expect(await db.delivery.count({ where: { eventId: event.id } })).toBe(0);
    expect(await db.notification.count({ where: { eventId: event.id } })).toBe(0);
    expect(await db.processedEvent.count({ where: { eventId: event.id } })).toBe(1);
  });

  it("a contact not known yet: retried (nothing written) until the last attempt, which writes what it can", async () => {
    const userId = randomUUID();
    const event = orderEvent(userId);
    await expect(run(event, 1)).rejects.toThrow(/no contact for user/);
    expect(await db.processedEvent.count({ where: { eventId: event.id } })).toBe(0);
    expect(await db.notification.count({ where: { eventId: event.id } })).toBe(0);
    await run(event, 3);
    expect(await db.notification.count({ where: { eventId: event.id } })).toBe(1);
    expect(await db.delivery.count({ where: { eventId: event.id } })).toBe(0);
    // Redelivered later (a relay's replay): already processed, so not retried for the missing contact.
    await expect(run(event, 1)).resolves.toEqual(expect.any(Array));
    expect(await db.notification.count({ where: { eventId: event.id } })).toBe(1);
  });

  it("user.registered: the email goes to the contact the event carries, written in the same statement", async () => {
    const userId = randomUUID();
    const event = createEnvelope("user.registered", {
      userId,
      email: "fresh@example.com",
      name: "Fresh",
      role: "CUSTOMER",
    });
    statements.length = 0;
    await handler()(event, context());
    expect(statements).toHaveLength(2);
    expect(await db.contact.findUnique({ where: { userId } })).toMatchObject({
      email: "fresh@example.com",
      name: "Fresh",
    });
    expect(await db.delivery.findMany({ where: { eventId: event.id } })).toEqual([
      expect.objectContaining({ channel: "EMAIL", recipient: "fresh@example.com", kind: "WELCOME" }),
    ]);
  });
});
