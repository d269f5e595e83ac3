import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvelope, startOutboxRelay } from "@shopgraph/events";
import { seedCustomer } from "@shopgraph/fixtures";
import { provisionDatabase, testLogger } from "@shopgraph/testing";
import { createDb as createUsersDb } from "../../users/src/db/client.ts";
import { startTestNotifications, waitFor } from "./harness.ts";

// Embedded mode: no REDIS_URL. Producers' relays push to POST /events, which stores the events in
// the InboxEvent table before answering; the local worker processes them with retries.
const SERVICE_TOKEN = "embedded-mode-service-token-0123456789";
let sg: Awaited<ReturnType<typeof startTestNotifications>>;
beforeAll(async () => {
  sg = await startTestNotifications({ env: { SERVICE_TOKEN, EVENTS_MAX_ATTEMPTS: "3" } });
});
afterAll(() => sg?.close());

const push = (events: unknown[], token: string | null = SERVICE_TOKEN) =>
  fetch(`${sg.url}/events`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { "x-service-token": token } : {}) },
    body: JSON.stringify({ events }),
  });

describe("embedded event inbox", () => {
  it("turns a pushed event into notifications once, however often it is pushed", async () => {
    const event = createEnvelope("order.confirmed", {
      orderId: randomUUID(),
      number: 5,
      customerId: seedCustomer.id,
      status: "PAID",
      total: { amount: "9.99", currencyCode: "USD" },
    });
    expect(await (await push([event])).json()).toEqual({ accepted: 1, duplicates: 0, rejected: 0 });
    expect(await (await push([event])).json()).toEqual({ accepted: 0, duplicates: 1, rejected: 0 });
    await waitFor(async () => sg.db.delivery.findFirst({ where: { eventId: event.id, status: "SENT" } }), "email sent");
    // The inbox row is marked after the handler returns, which may be after the sender's send.
    const row = await waitFor(
      async () => sg.db.inboxEvent.findFirst({ where: { id: event.id, status: "PROCESSED" } }),
      "inbox row processed",
    );
    expect(row).toMatchObject({ status: "PROCESSED", attempts: 1 });
    expect(await sg.db.notification.count({ where: { eventId: event.id } })).toBe(1);
  });

  it.each([
    ["without a service token", null],
    ["with a wrong service token", "wrong-token-wrong-token-wrong-token"],
  ])("refuses a push %s (401) and stores nothing", async (_how, token) => {
    const event = createEnvelope("user.registered", {
      userId: randomUUID(),
      email: "x@example.com",
      name: "X",
      role: "ADMIN",
    });
    const res = await push([event], token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      "UNAUTHENTICATED",
    );
    expect(await sg.db.inboxEvent.findUnique({ where: { id: event.id } })).toBeNull();
  });

  it("dead-letters a poison event after EVENTS_MAX_ATTEMPTS in the inbox", async () => {
    const poison = createEnvelope("inventory.low_stock", { productId: randomUUID(), title: "", quantityAvailable: -5 });
    await push([poison]);
    const dead = await waitFor(
      async () => (await sg.consumer.deadLetters()).find((d) => d.eventId === poison.id),
      "dead letter",
    );
    expect(dead).toMatchObject({
      attempts: 3,
      error: expect.stringContaining("invalid inventory.low_stock v1 payload"),
    });
    expect(await sg.db.inboxEvent.findUnique({ where: { id: poison.id } })).toMatchObject({
      status: "DEAD",
      attempts: 3,
    });
  });

  it("receives a producer's outbox through startOutboxRelay's HTTP push (no Redis anywhere)", async () => {
    const users = await provisionDatabase(
      "users",
      fileURLToPath(new URL("../../users/prisma/migrations", import.meta.url)),
    );
    const usersPrisma = createUsersDb(users.url, 2);
    const userId = randomUUID();
    try {
      await usersPrisma.outboxEvent.create({
        data: {
          type: "user.registered",
          payload: { userId, email: "pushed@example.com", name: "Pushed", role: "CUSTOMER" },
        },
      });
      const relay = startOutboxRelay({
        service: "users",
        prisma: usersPrisma,
        pushEndpoints: [`${sg.url}/events`],
        serviceToken: SERVICE_TOKEN,
        logger: testLogger("users"),
        intervalMs: 50,
      });
      try {
        expect(relay.transport).toBe("http-push");
        await waitFor(async () => sg.db.delivery.findFirst({ where: { userId, status: "SENT" } }), "welcome email");
      } finally {
        await relay.close();
      }
      expect(await sg.db.notification.findMany({ where: { userId } })).toEqual([
        expect.objectContaining({ kind: "WELCOME" }),
      ]);
      expect((await usersPrisma.outboxEvent.findFirstOrThrow()).publishedAt).toBeInstanceOf(Date);
    } finally {
      await usersPrisma.$disconnect();
      await users.drop();
    }
  });

  it("reports ready once the database and the consumer answer", async () => {
    await waitFor(async () => (await fetch(`${sg.url}/readyz`)).status === 200, "ready");
  });
});
