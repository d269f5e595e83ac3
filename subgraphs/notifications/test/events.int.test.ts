import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvelope, createRedisStreamPublisher, type EventEnvelope, type EventPublisher } from "@shopgraph/events";
import { seedAdmin, seedCustomer } from "@shopgraph/fixtures";
import { hasRealServer, provisionRedis, TEST_REDIS_URL } from "@shopgraph/testing";
import type { EmailMessage, SmsMessage } from "../src/domain/channels.ts";
import { startTestNotifications, waitFor } from "./harness.ts";

// Events arrive over real Redis Streams, exactly as in production.
const redis = await provisionRedis();
// Skipped without a Redis server outside CI (the embedded inbox has its own file).
const REAL_REDIS = await hasRealServer("Redis", TEST_REDIS_URL, 6379);
let sg: Awaited<ReturnType<typeof startTestNotifications>>;
let publisher: EventPublisher;
beforeAll(async () => {
  sg = await startTestNotifications({
    env: { REDIS_URL: redis.url!, REDIS_KEY_PREFIX: redis.prefix, EVENTS_MAX_ATTEMPTS: "3" },
  });
  publisher = createRedisStreamPublisher({ url: redis.url!, prefix: redis.prefix });
});
afterAll(async () => {
  await publisher?.close();
  await sg?.close();
  await redis.cleanup();
});

const emails = () => (sg.email as unknown as { sent: EmailMessage[] }).sent;
const texts = () => (sg.sms as unknown as { sent: SmsMessage[] }).sent;
const processed = (event: EventEnvelope) =>
  waitFor(
    async () => (await sg.db.processedEvent.count({ where: { eventId: event.id } })) === 1,
    `${event.type} processed`,
  );
const sentFor = (event: EventEnvelope) =>
  waitFor(async () => {
    const rows = await sg.db.delivery.findMany({ where: { eventId: event.id } });
    return rows.length > 0 && rows.every((d) => d.status === "SENT") ? rows : null;
  }, `deliveries of ${event.type} sent`);

const order = (type: string, extra: Record<string, unknown> = {}, customerId = seedCustomer.id) =>
  createEnvelope(type, {
    orderId: randomUUID(),
    number: 1042,
    customerId,
    status: "PAID",
    total: { amount: "59.97", currencyCode: "USD" },
    ...extra,
  });

describe.skipIf(!REAL_REDIS)("notifications consume events", () => {
  it("user.registered: records the contact, welcomes in-app and by email", async () => {
    const userId = randomUUID();
    const event = createEnvelope("user.registered", {
      userId,
      email: "new.person@example.com",
      name: "New Person",
      role: "CUSTOMER",
    });
    await publisher.publish([event]);
    const [delivery] = await sentFor(event);
    expect(await sg.db.contact.findUnique({ where: { userId } })).toMatchObject({
      email: "new.person@example.com",
      name: "New Person",
      role: "CUSTOMER",
    });
    expect(await sg.db.notification.findMany({ where: { userId } })).toEqual([
      expect.objectContaining({
        kind: "WELCOME",
        title: "Welcome to Shopgraph",
        body: expect.stringContaining("Hi New,"),
        eventId: event.id,
        orderId: null,
      }),
    ]);
    expect(delivery).toMatchObject({
      channel: "EMAIL",
      kind: "WELCOME",
      recipient: "new.person@example.com",
      attempts: 1,
      sentAt: expect.any(Date),
    });
    expect(emails().at(-1)).toMatchObject({
      to: "new.person@example.com",
      subject: "Welcome to Shopgraph",
      from: "Shopgraph <no-reply@shopgraph.dev>",
      text: expect.stringContaining("Hi New,"),
    });
  });

  it.each([
    ["order.confirmed", {}, "ORDER_CONFIRMED", "Order SG-001042 confirmed", "$59.97"],
    [
      "order.payment_failed",
      { status: "PAYMENT_FAILED", reason: "card declined" },
      "PAYMENT_FAILED",
      "Payment for order SG-001042 failed",
      "card declined",
    ],
    [
      "order.shipped",
      { status: "SHIPPED", trackingNumber: "1Z999AA10123456784" },
      "ORDER_SHIPPED",
      "Order SG-001042 has shipped",
      "Tracking number: 1Z999AA10123456784",
    ],
    ["order.delivered", { status: "DELIVERED" }, "ORDER_DELIVERED", "Order SG-001042 was delivered", "$59.97"],
    [
      "order.cancelled",
      { status: "CANCELLED", total: { amount: "5.00", currencyCode: "EUR" } },
      "ORDER_CANCELLED",
      "Order SG-001042 was cancelled",
      "€5.00",
    ],
  ])("%s → %s notification and email, with number and details", async (type, extra, kind, title, detail) => {
    const event = order(type, extra);
    await publisher.publish([event]);
    await sentFor(event);
    const notification = await sg.db.notification.findFirstOrThrow({ where: { eventId: event.id } });
    expect(notification).toMatchObject({
      userId: seedCustomer.id,
      kind,
      title,
      orderId: (event.payload as { orderId: string }).orderId,
    });
    expect(notification.body).toContain(detail);
    expect(emails().at(-1)).toMatchObject({
      to: seedCustomer.email,
      subject: title,
      text: expect.stringContaining(detail),
    });
    expect(emails().at(-1)?.text).toContain(`View your order: http://localhost:3000/orders/${notification.orderId}`);
  });

  it("follows preferences: SMS only when chosen (masked in the log), nothing in-app when off", async () => {
    const userId = randomUUID();
    const registered = createEnvelope("user.registered", {
      userId,
      email: "sms.only@example.com",
      name: "Sam",
      role: "CUSTOMER",
    });
    await publisher.publish([registered]);
    await processed(registered);
    await sg.db.notificationPreference.create({
      data: { userId, email: false, inApp: false, sms: true, phoneNumber: "+447700900123" },
    });
    const event = order("order.shipped", { trackingNumber: "TRACK-1" }, userId);
    await publisher.publish([event]);
    const [sms] = await sentFor(event);
    expect(sms).toMatchObject({ channel: "SMS", recipient: "+447700900123" });
    expect(await sg.db.notification.count({ where: { eventId: event.id } })).toBe(0);
    expect(texts().at(-1)).toEqual({ to: "+447700900123", text: expect.stringContaining("TRACK-1") });
    const log = await sg.query(`{ deliveries(channel: SMS) { edges { node { recipient status } } } }`, {
      token: await sg.token(seedAdmin.id, "ADMIN"),
    });
    expect(log.data?.deliveries.edges).toContainEqual({ node: { recipient: "+4477****123", status: "SENT" } });
  });

  it("inventory.low_stock reaches every ADMIN contact and no customer", async () => {
    const secondAdmin = randomUUID();
    const registered = createEnvelope("user.registered", {
      userId: secondAdmin,
      email: "ops@example.com",
      name: "Ops",
      role: "ADMIN",
    });
    await publisher.publish([registered]);
    await processed(registered);
    const event = createEnvelope("inventory.low_stock", {
      productId: randomUUID(),
      title: "Ceramic Mug",
      quantityAvailable: 2,
    });
    await publisher.publish([event]);
    await sentFor(event);
    const notifications = await sg.db.notification.findMany({ where: { eventId: event.id } });
    expect(notifications.map((n) => n.userId).sort()).toEqual([seedAdmin.id, secondAdmin].sort());
    expect(notifications[0]).toMatchObject({
      kind: "LOW_STOCK",
      title: "Low stock: Ceramic Mug",
      body: expect.stringContaining("only 2 left"),
    });
  });

  it("absorbs a redelivered event: one notification, one email", async () => {
    const event = order("order.delivered");
    await publisher.publish([event, event]);
    await publisher.publish([event]);
    await sentFor(event);
    const later = order("order.confirmed");
    await publisher.publish([later]);
    await processed(later); // everything published before it has been consumed by now
    expect(await sg.db.notification.count({ where: { eventId: event.id } })).toBe(1);
    expect(await sg.db.delivery.count({ where: { eventId: event.id } })).toBe(1);
    expect(emails().filter((m) => m.subject === "Order SG-001042 was delivered").length).toBeGreaterThanOrEqual(1);
  });

  it("ignores event types it does not consume, and dead-letters versions it does not know at once", async () => {
    const unknown = createEnvelope("product.renamed", { productId: randomUUID() });
    const future = { ...order("order.confirmed"), version: 2 };
    await publisher.publish([unknown, future]);
    const dead = await waitFor(
      async () => (await sg.consumer.deadLetters()).find((d) => d.eventId === future.id),
      "dead letter",
    );
    expect(dead).toMatchObject({ attempts: 1, error: "PermanentEventError: unsupported order.confirmed version 2" });
    expect((await sg.consumer.deadLetters()).some((d) => d.eventId === unknown.id)).toBe(false);
    expect(await sg.db.notification.count({ where: { eventId: { in: [unknown.id, future.id] } } })).toBe(0);
  });

  it("waits for a late contact, and on the last attempt still notifies in-app without the email", async () => {
    const stranger = randomUUID();
    const event = order("order.confirmed", {}, stranger);
    await publisher.publish([event]);
    await processed(event);
    expect(await sg.db.notification.count({ where: { eventId: event.id, userId: stranger } })).toBe(1);
    expect(await sg.db.delivery.count({ where: { eventId: event.id } })).toBe(0);
  });

  it("offers no POST /events push endpoint when events come over Redis", async () => {
    const res = await fetch(`${sg.url}/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ events: [] }),
    });
    expect(res.status).toBe(404);
  });
});
