import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvelope } from "@shopgraph/events";
import type { PushMessage } from "../src/domain/channels.ts";
import { MAX_PUSH_TOKEN_LENGTH } from "../src/domain/push-devices.ts";
import { fcmToken } from "./fcm-server.ts";
import { startTestNotifications, waitFor } from "./harness.ts";

let sg: Awaited<ReturnType<typeof startTestNotifications>>;
beforeAll(async () => {
  sg = await startTestNotifications({ env: { PUSH_MAX_DEVICES_PER_USER: "3" } });
});
afterAll(() => sg?.close());

const codes = (res: { errors?: { extensions?: Record<string, unknown> }[] }) => [
  ...new Set((res.errors ?? []).map((e) => e.extensions?.code)),
];

const REGISTER = `mutation($input: RegisterPushDeviceInput!) { registerPushDevice(input: $input) { device { id platform createdAt lastUsedAt } userErrors { code field message } } }`;
const UNREGISTER = `mutation($token: String!) { unregisterPushDevice(token: $token) { success userErrors { code field message } } }`;
const DEVICES = `query($id: ID!) { _entities(representations: [{ __typename: "User", id: $id }]) { ... on User { id pushDevices { id platform createdAt lastUsedAt } } } }`;
const PREFS = `mutation($input: NotificationPreferencesInput!) { updateNotificationPreferences(input: $input) { preferences { email sms inApp push phoneNumber } userErrors { code } } }`;

/** A fresh user and their token. */
async function newUser() {
  const id = randomUUID();
  return { id, token: await sg.token(id) };
}
const register = async (token: string, input: Record<string, unknown>) =>
  sg.query(REGISTER, { token, variables: { input } });
const devicesOf = async (id: string, token?: string) =>
  sg.query(DEVICES, { variables: { id }, ...(token ? { token } : {}) });

describe("registerPushDevice", () => {
  it("registers a device to the signed-in user, who sees it (never its token) in User.pushDevices", async () => {
    const user = await newUser();
    const token = fcmToken();
    const res = await register(user.token, { platform: "ANDROID", token });
    expect(res.data?.registerPushDevice).toEqual({
      device: { id: expect.any(String), platform: "ANDROID", createdAt: expect.any(String), lastUsedAt: null },
      userErrors: [],
    });
    const listed = await devicesOf(user.id, user.token);
    expect(listed.errors).toBeUndefined();
    expect(listed.data?._entities[0].pushDevices).toEqual([res.data?.registerPushDevice.device]);
    expect(await sg.db.pushDevice.findMany({ where: { userId: user.id } })).toEqual([
      expect.objectContaining({ token, platform: "ANDROID" }),
    ]);
  });

  it("registering the same token again keeps one device (the platform follows the latest call)", async () => {
    const user = await newUser();
    const token = fcmToken();
    const first = await register(user.token, { platform: "ANDROID", token });
    const again = await register(user.token, { platform: "IOS", token });
    expect(again.data?.registerPushDevice.device).toMatchObject({
      id: first.data?.registerPushDevice.device.id,
      platform: "IOS",
    });
    expect(await sg.db.pushDevice.count({ where: { token } })).toBe(1);
  });

  it("moves a token registered by another user to the new user, as a new device", async () => {
    const [previous, next] = [await newUser(), await newUser()];
    const token = fcmToken();
    const before = await register(previous.token, { platform: "IOS", token });
    await sg.db.pushDevice.updateMany({ where: { token }, data: { lastUsedAt: new Date() } });
    const moved = await register(next.token, { platform: "IOS", token });
    expect(moved.data?.registerPushDevice.device).toMatchObject({ platform: "IOS", lastUsedAt: null });
    expect(moved.data?.registerPushDevice.device.id).not.toBe(before.data?.registerPushDevice.device.id);
    expect((await devicesOf(previous.id, previous.token)).data?._entities[0].pushDevices).toEqual([]);
    expect((await devicesOf(next.id, next.token)).data?._entities[0].pushDevices).toEqual([
      moved.data?.registerPushDevice.device,
    ]);
    expect(await sg.db.pushDevice.findMany({ where: { token } })).toEqual([
      expect.objectContaining({ userId: next.id }),
    ]);
  });

  it("keeps a user's newest PUSH_MAX_DEVICES_PER_USER devices: one more drops the oldest", async () => {
    const user = await newUser();
    const tokens = [fcmToken(), fcmToken(), fcmToken(), fcmToken()];
    for (const token of tokens)
      expect((await register(user.token, { platform: "WEB", token })).data?.registerPushDevice.userErrors).toEqual([]);
    const kept = await sg.db.pushDevice.findMany({ where: { userId: user.id } });
    expect(kept.map((d) => d.token).sort()).toEqual(tokens.slice(1).sort());
  });

  it.each([
    ["empty", ""],
    ["blank", "   "],
    ["one character too long", "a".repeat(MAX_PUSH_TOKEN_LENGTH + 1)],
    ["split by a space", "abc def"],
    ["holding a control character", "abc\u007fdef"],
    ["holding a non-ASCII character", "abcédef"],
  ])("refuses a token that is %s with INVALID_PUSH_TOKEN and stores nothing", async (_what, token) => {
    const user = await newUser();
    const res = await register(user.token, { platform: "ANDROID", token });
    expect(res.status).toBe(200);
    expect(res.data?.registerPushDevice).toEqual({
      device: null,
      userErrors: [{ code: "INVALID_PUSH_TOKEN", field: ["input", "token"], message: expect.any(String) }],
    });
    expect(await sg.db.pushDevice.count({ where: { userId: user.id } })).toBe(0);
  });

  it("accepts a token of exactly the maximum length", async () => {
    const user = await newUser();
    const res = await register(user.token, { platform: "ANDROID", token: "b".repeat(MAX_PUSH_TOKEN_LENGTH) });
    expect(res.data?.registerPushDevice.userErrors).toEqual([]);
  });

  it("refuses an unknown platform as a validation error (HTTP 400), storing nothing", async () => {
    const user = await newUser();
    const res = await register(user.token, { platform: "BLACKBERRY", token: fcmToken() });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(["BAD_USER_INPUT"]);
    expect(await sg.db.pushDevice.count({ where: { userId: user.id } })).toBe(0);
  });
});

describe("unregisterPushDevice", () => {
  it("removes the viewer's own device", async () => {
    const user = await newUser();
    const token = fcmToken();
    await register(user.token, { platform: "ANDROID", token });
    expect(
      (await sg.query(UNREGISTER, { token: user.token, variables: { token } })).data?.unregisterPushDevice,
    ).toEqual({ success: true, userErrors: [] });
    expect(await sg.db.pushDevice.count({ where: { token } })).toBe(0);
  });

  it("answers NOT_FOUND for another user's token and leaves it registered", async () => {
    const [owner, intruder] = [await newUser(), await newUser()];
    const token = fcmToken();
    await register(owner.token, { platform: "IOS", token });
    const res = await sg.query(UNREGISTER, { token: intruder.token, variables: { token } });
    expect(res.data?.unregisterPushDevice).toEqual({
      success: false,
      userErrors: [{ code: "NOT_FOUND", field: ["token"], message: "Push device not found" }],
    });
    expect(await sg.db.pushDevice.findMany({ where: { token } })).toEqual([
      expect.objectContaining({ userId: owner.id }),
    ]);
  });

  it("refuses an empty token with INVALID_PUSH_TOKEN", async () => {
    const res = await sg.query(UNREGISTER, { token: (await newUser()).token, variables: { token: "" } });
    expect(res.data?.unregisterPushDevice).toEqual({
      success: false,
      userErrors: [{ code: "INVALID_PUSH_TOKEN", field: ["token"], message: expect.any(String) }],
    });
  });
});

describe("push devices are private", () => {
  it("nobody else reads a user's devices, not even an ADMIN (FORBIDDEN)", async () => {
    const [owner, other] = [await newUser(), await newUser()];
    await register(owner.token, { platform: "ANDROID", token: fcmToken() });
    for (const token of [other.token, await sg.token(randomUUID(), "ADMIN")]) {
      const res = await devicesOf(owner.id, token);
      expect(codes(res)).toEqual(["FORBIDDEN"]);
      expect(res.data?._entities[0]?.pushDevices ?? null).toBeNull();
    }
  });

  it("anonymous callers get UNAUTHENTICATED for the list and both mutations", async () => {
    const owner = await newUser();
    expect(codes(await devicesOf(owner.id))).toEqual(["UNAUTHENTICATED"]);
    const token = fcmToken();
    const reg = await sg.query(REGISTER, { variables: { input: { platform: "ANDROID", token } } });
    expect(codes(reg)).toEqual(["UNAUTHENTICATED"]);
    expect(reg.data?.registerPushDevice ?? null).toBeNull();
    expect(await sg.db.pushDevice.count({ where: { token } })).toBe(0);
    expect(codes(await sg.query(UNREGISTER, { variables: { token } }))).toEqual(["UNAUTHENTICATED"]);
  });
});

describe("the push preference", () => {
  it("is on by default and can be turned off and on alone", async () => {
    const user = await newUser();
    const update = async (input: Record<string, unknown>) =>
      (await sg.query(PREFS, { token: user.token, variables: { input } })).data?.updateNotificationPreferences;
    expect(await update({ email: false })).toEqual({
      preferences: { email: false, sms: false, inApp: true, push: true, phoneNumber: null },
      userErrors: [],
    });
    expect(await update({ push: false })).toEqual({
      preferences: { email: false, sms: false, inApp: true, push: false, phoneNumber: null },
      userErrors: [],
    });
    expect((await sg.db.notificationPreference.findUnique({ where: { userId: user.id } }))?.push).toBe(false);
    expect((await update({ push: true }))?.preferences.push).toBe(true);
  });
});

describe("without FCM credentials (development)", () => {
  it("records what would be pushed instead of sending it, through the same delivery pipeline", async () => {
    const user = await newUser();
    const token = fcmToken();
    await sg.query(PREFS, { token: user.token, variables: { input: { email: false } } });
    await register(user.token, { platform: "IOS", token });
    const event = createEnvelope("order.delivered", {
      orderId: randomUUID(),
      number: 7,
      customerId: user.id,
      status: "DELIVERED",
      total: { amount: "5.00", currencyCode: "EUR" },
    });
    // Embedded mode: the relays' route for events.
    const res = await fetch(`${sg.url}/events`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-service-token": sg.config.SERVICE_TOKEN },
      body: JSON.stringify({ events: [event] }),
    });
    expect(res.status).toBe(200);
    const sent = await waitFor(
      async () => sg.db.delivery.findFirst({ where: { eventId: event.id, channel: "PUSH", status: "SENT" } }),
      "push delivery recorded",
    );
    expect(sent.recipient).toBe(token);
    expect((sg.push as unknown as { sent: PushMessage[] }).sent.filter((m) => m.token === token)).toEqual([
      {
        token,
        platform: "IOS",
        title: "Order SG-000007 was delivered",
        body: expect.stringContaining("has been delivered"),
        data: { kind: "ORDER_DELIVERED" },
      },
    ]);
  });
});
