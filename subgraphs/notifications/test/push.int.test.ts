import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvelope, createRedisStreamPublisher, type EventEnvelope, type EventPublisher } from "@shopgraph/events";
import { hasRealServer, provisionRedis, TEST_REDIS_URL } from "@shopgraph/testing";
import { maskPushToken } from "../src/domain/masking.ts";
import { fcmToken, startFcmServer, type FcmFailure, type TestFcmServer } from "./fcm-server.ts";
import { startTestNotifications, waitFor } from "./harness.ts";

// The push pipeline end to end: events over real Redis Streams, deliveries in real PostgreSQL,
// and the FCM HTTP v1 transport talking to a local FCM server (OAuth token endpoint + messages:send).
const redis = await provisionRedis();
const REAL_REDIS = await hasRealServer("Redis", TEST_REDIS_URL, 6379);
const MAX_ATTEMPTS = 4;
let fcm: TestFcmServer;
let sg: Awaited<ReturnType<typeof startTestNotifications>>;
let publisher: EventPublisher;
beforeAll(async () => {
  fcm = await startFcmServer();
  sg = await startTestNotifications({
    env: {
      REDIS_URL: redis.url!,
      REDIS_KEY_PREFIX: redis.prefix,
      FCM_SERVICE_ACCOUNT_JSON: JSON.stringify(fcm.serviceAccount),
      FCM_ENDPOINT: fcm.endpoint,
      FCM_TOKEN_URL: fcm.tokenUrl,
      DELIVERY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    },
  });
  publisher = createRedisStreamPublisher({ url: redis.url!, prefix: redis.prefix });
});
afterAll(async () => {
  await publisher?.close();
  await sg?.close();
  await fcm?.close();
  await redis.cleanup();
});

const REGISTER = `mutation($input: RegisterPushDeviceInput!) { registerPushDevice(input: $input) { device { id } userErrors { code } } }`;
const PREFS = `mutation($input: NotificationPreferencesInput!) { updateNotificationPreferences(input: $input) { userErrors { code } } }`;
const DELIVERIES = `query { deliveries(first: 50, channel: PUSH) { edges { node { id channel recipient status attempts lastError } } } }`;

/** A fresh customer with push devices (email off: no contact is needed) and push on or off. */
async function customerWith(platforms: ("IOS" | "ANDROID" | "WEB")[], push = true) {
  const id = randomUUID();
  const token = await sg.token(id);
  expect(
    (await sg.query(PREFS, { token, variables: { input: { email: false, push } } })).data?.updateNotificationPreferences
      .userErrors,
  ).toEqual([]);
  const tokens: string[] = [];
  for (const platform of platforms) {
    const deviceToken = fcmToken();
    expect(
      (await sg.query(REGISTER, { token, variables: { input: { platform, token: deviceToken } } })).data
        ?.registerPushDevice.userErrors,
    ).toEqual([]);
    tokens.push(deviceToken);
  }
  return { id, token, tokens };
}

const shipped = (customerId: string) =>
  createEnvelope("order.shipped", {
    orderId: randomUUID(),
    number: 1042,
    customerId,
    status: "SHIPPED",
    total: { amount: "59.97", currencyCode: "USD" },
    trackingNumber: "1Z999",
  });
const pushesOf = (event: EventEnvelope) =>
  sg.db.delivery.findMany({ where: { eventId: event.id, channel: "PUSH" }, orderBy: { recipient: "asc" } });
/** Waits until every push delivery of the event has settled (SENT or DEAD_LETTERED), `count` of them. */
const settled = (event: EventEnvelope, count: number) =>
  waitFor(async () => {
    const rows = await pushesOf(event);
    return rows.length === count && rows.every((d) => d.status === "SENT" || d.status === "DEAD_LETTERED")
      ? rows
      : null;
  }, `${count} push deliveries of ${event.type} settled`);
const byToken = <T extends { recipient: string }>(rows: T[], token: string) => rows.find((r) => r.recipient === token)!;

describe.skipIf(!REAL_REDIS)("push notifications through FCM HTTP v1", () => {
  it("an order event goes to each of the user's devices: one delivery per device, sent, the device marked used", async () => {
    const user = await customerWith(["ANDROID", "IOS"]);
    const event = shipped(user.id);
    await publisher.publish([event]);
    const rows = await settled(event, 2);
    expect(rows.map((d) => d.status)).toEqual(["SENT", "SENT"]);
    for (const token of user.tokens) {
      expect(fcm.to(token)).toEqual([
        expect.objectContaining({
          answered: 200,
          message: expect.objectContaining({
            token,
            notification: {
              title: "Order SG-001042 has shipped",
              body: expect.stringContaining("Tracking number: 1Z999"),
            },
            data: { kind: "ORDER_SHIPPED" },
          }),
        }),
      ]);
    }
    expect(fcm.to(user.tokens[1]!)[0]?.message).toMatchObject({ apns: { payload: { aps: { sound: "default" } } } });
    const devices = await sg.db.pushDevice.findMany({ where: { userId: user.id } });
    expect(devices.every((d) => d.lastUsedAt instanceof Date)).toBe(true);
    // A redelivered event queues nothing twice (unique per event, user, channel and device).
    await publisher.publish([event]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await pushesOf(event)).toHaveLength(2);
  });

  it("the ADMIN delivery log shows push recipients masked, never the token", async () => {
    const user = await customerWith(["WEB"]);
    const event = shipped(user.id);
    await publisher.publish([event]);
    const [row] = await settled(event, 1);
    const res = await sg.query(DELIVERIES, { token: await sg.token(randomUUID(), "ADMIN") });
    const node = res.data?.deliveries.edges
      .map((e: { node: { id: string } }) => e.node)
      .find((n: { id: string }) => n.id === row!.id);
    expect(node).toMatchObject({ channel: "PUSH", status: "SENT", recipient: maskPushToken(user.tokens[0]!) });
    expect(node.recipient).not.toContain(user.tokens[0]!.slice(6, 30));
  });

  it.each(["UNREGISTERED", "INVALID_ARGUMENT"] as const)(
    "%s: the device is removed and its delivery dead-lettered at once; the user's other device still gets it",
    async (errorCode) => {
      const user = await customerWith(["ANDROID", "ANDROID"]);
      const [gone, fine] = user.tokens as [string, string];
      fcm.script(gone, [{ errorCode }]);
      const event = shipped(user.id);
      await publisher.publish([event]);
      const rows = await settled(event, 2);
      expect(byToken(rows, gone)).toMatchObject({
        status: "DEAD_LETTERED",
        attempts: 1,
        nextAttemptAt: null,
        lastError: expect.stringContaining(`FCM ${errorCode === "UNREGISTERED" ? 404 : 400} ${errorCode}`),
      });
      expect(byToken(rows, fine)).toMatchObject({ status: "SENT", attempts: 1 });
      expect(fcm.to(gone)).toHaveLength(1);
      expect(await sg.db.pushDevice.findMany({ where: { userId: user.id } })).toEqual([
        expect.objectContaining({ token: fine }),
      ]);
    },
  );

  it.each(["QUOTA_EXCEEDED", "UNAVAILABLE"] as const)(
    "%s: retried no sooner than Retry-After (1 s, far above the 20 ms backoff), then sent",
    async (errorCode) => {
      const user = await customerWith(["IOS"]);
      const [token] = user.tokens as [string];
      fcm.script(token, [{ errorCode, retryAfter: "1" }]);
      const event = shipped(user.id);
      await publisher.publish([event]);
      const [row] = await settled(event, 1);
      expect(row).toMatchObject({ status: "SENT", attempts: 2, lastError: null });
      const [first, second] = fcm.to(token);
      expect([first?.answered, second?.answered]).toEqual([errorCode === "QUOTA_EXCEEDED" ? 429 : 503, 200]);
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(1_000);
      expect(await sg.db.pushDevice.count({ where: { token } })).toBe(1);
    },
  );

  it("other FCM errors follow the pipeline: retried with backoff, dead-lettered after DELIVERY_MAX_ATTEMPTS, the device kept", async () => {
    const user = await customerWith(["ANDROID"]);
    const [token] = user.tokens as [string];
    fcm.script(
      token,
      Array.from({ length: MAX_ATTEMPTS }, (): FcmFailure => ({ errorCode: "INTERNAL" })),
    );
    const event = shipped(user.id);
    await publisher.publish([event]);
    const [row] = await settled(event, 1);
    expect(row).toMatchObject({
      status: "DEAD_LETTERED",
      attempts: MAX_ATTEMPTS,
      lastError: expect.stringContaining("FCM 500 INTERNAL"),
    });
    expect(fcm.to(token)).toHaveLength(MAX_ATTEMPTS);
    expect(await sg.db.pushDevice.count({ where: { token } })).toBe(1);
  });

  it("push preference off: the event lands in-app, nothing is pushed", async () => {
    const user = await customerWith(["ANDROID"], false);
    const event = shipped(user.id);
    await publisher.publish([event]);
    await waitFor(
      async () => (await sg.db.notification.count({ where: { eventId: event.id } })) === 1,
      "in-app notification written",
    );
    expect(await pushesOf(event)).toEqual([]);
    expect(fcm.to(user.tokens[0]!)).toEqual([]);
  });

  it("a token that moved to another user after the push was queued is not sent to", async () => {
    const [previous, next] = [await customerWith(["ANDROID"]), await customerWith([])];
    const [token] = previous.tokens as [string];
    expect(
      (await sg.query(REGISTER, { token: next.token, variables: { input: { platform: "ANDROID", token } } })).data
        ?.registerPushDevice.userErrors,
    ).toEqual([]);
    // As if queued for the previous owner just before the token moved.
    const queued = await sg.db.delivery.create({
      data: {
        userId: previous.id,
        channel: "PUSH",
        kind: "ORDER_SHIPPED",
        recipient: token,
        subject: "Order SG-000001 has shipped",
        body: "private",
        nextAttemptAt: new Date(),
      },
    });
    sg.sender.wake();
    const row = await waitFor(async () => {
      const d = await sg.db.delivery.findUnique({ where: { id: queued.id } });
      return d?.status === "DEAD_LETTERED" ? d : null;
    }, "the moved token's delivery dead-lettered");
    expect(row.lastError).toMatch(/no longer registered to the user/);
    expect(fcm.to(token)).toEqual([]);
    expect(await sg.db.pushDevice.findMany({ where: { token } })).toEqual([
      expect.objectContaining({ userId: next.id }),
    ]);
  });
});
