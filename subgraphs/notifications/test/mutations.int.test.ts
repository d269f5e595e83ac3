import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedCustomer, seedNotifications } from "@shopgraph/fixtures";
import { startTestNotifications } from "./harness.ts";

let sg: Awaited<ReturnType<typeof startTestNotifications>>;
beforeAll(async () => {
  sg = await startTestNotifications();
});
afterAll(() => sg?.close());

const codes = (res: { errors?: { extensions?: Record<string, unknown> }[] }) => [
  ...new Set((res.errors ?? []).map((e) => e.extensions?.code)),
];

/** A fresh user with `n` unread notifications, so tests do not share state. */
async function userWithNotifications(n: number) {
  const id = randomUUID();
  await sg.db.notification.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      userId: id,
      kind: "ORDER_CONFIRMED" as const,
      title: `Order SG-${String(i + 1).padStart(6, "0")} confirmed`,
      body: "Thanks!",
    })),
  });
  const notifications = await sg.db.notification.findMany({ where: { userId: id } });
  return { id, token: await sg.token(id), notificationIds: notifications.map((x) => x.id) };
}

const MARK = `mutation($id: ID!) { markNotificationRead(id: $id) { notification { id readAt } userErrors { code field message } } }`;
const MARK_ALL = `mutation { markAllNotificationsRead { count userErrors { code } } }`;
const UPDATE = `mutation($input: NotificationPreferencesInput!) { updateNotificationPreferences(input: $input) { preferences { email sms inApp phoneNumber } userErrors { code field message } } }`;

describe("markNotificationRead", () => {
  it("marks the owner's notification read once (a second call keeps the first readAt)", async () => {
    const user = await userWithNotifications(1);
    const first = await sg.query(MARK, { token: user.token, variables: { id: user.notificationIds[0] } });
    expect(first.data?.markNotificationRead).toEqual({
      notification: { id: user.notificationIds[0], readAt: expect.any(String) },
      userErrors: [],
    });
    const again = await sg.query(MARK, { token: user.token, variables: { id: user.notificationIds[0] } });
    expect(again.data?.markNotificationRead.notification.readAt).toBe(
      first.data?.markNotificationRead.notification.readAt,
    );
  });

  it.each([
    ["someone else's notification", () => seedNotifications.find((n) => !n.readAt)!.id],
    ["an unknown id", () => randomUUID()],
    ["a malformed id", () => "not-a-uuid"],
  ])("answers NOT_FOUND for %s and changes nothing", async (_what, id) => {
    const user = await userWithNotifications(0);
    const res = await sg.query(MARK, { token: user.token, variables: { id: id() } });
    expect(res.data?.markNotificationRead).toEqual({
      notification: null,
      userErrors: [{ code: "NOT_FOUND", field: ["id"], message: "Notification not found" }],
    });
    expect(await sg.db.notification.count({ where: { userId: seedCustomer.id, readAt: null } })).toBe(4);
  });
});

describe("markAllNotificationsRead", () => {
  it("marks every unread notification of the viewer only, and reports how many", async () => {
    const user = await userWithNotifications(3);
    await sg.query(MARK, { token: user.token, variables: { id: user.notificationIds[0] } });
    expect((await sg.query(MARK_ALL, { token: user.token })).data?.markAllNotificationsRead).toEqual({
      count: 2,
      userErrors: [],
    });
    expect((await sg.query(MARK_ALL, { token: user.token })).data?.markAllNotificationsRead).toEqual({
      count: 0,
      userErrors: [],
    });
    expect(await sg.db.notification.count({ where: { userId: seedCustomer.id, readAt: null } })).toBe(4);
  });
});

describe("updateNotificationPreferences", () => {
  const update = async (token: string, input: Record<string, unknown>) =>
    (await sg.query(UPDATE, { token, variables: { input } })).data?.updateNotificationPreferences;

  it("updates only the given fields, starting from the defaults", async () => {
    const token = await sg.token();
    expect(await update(token, { email: false })).toEqual({
      preferences: { email: false, sms: false, inApp: true, phoneNumber: null },
      userErrors: [],
    });
    expect(await update(token, { phoneNumber: " +44 7911 123456 " })).toEqual({
      preferences: { email: false, sms: false, inApp: true, phoneNumber: "+447911123456" },
      userErrors: [],
    });
    expect(await update(token, { sms: true, inApp: false })).toEqual({
      preferences: { email: false, sms: true, inApp: false, phoneNumber: "+447911123456" },
      userErrors: [],
    });
  });

  it("turns SMS on together with a phone number in one call", async () => {
    expect(await update(await sg.token(), { sms: true, phoneNumber: "+14155550123" })).toEqual({
      preferences: { email: true, sms: true, inApp: true, phoneNumber: "+14155550123" },
      userErrors: [],
    });
  });

  // +44 7700 900123 is well-formed but Ofcom's drama range: no such number exists.
  it.each([
    "07700900123",
    "+0447700900123",
    "+44 7700 900123",
    "+1234567",
    "+1234567890123456",
    "",
    "+44abc",
    `+44${"7".repeat(5000)}`,
  ])("rejects %j with INVALID_PHONE_NUMBER and saves nothing", async (phoneNumber) => {
    const id = randomUUID();
    expect(await update(await sg.token(id), { phoneNumber, email: false })).toEqual({
      preferences: null,
      userErrors: [{ code: "INVALID_PHONE_NUMBER", field: ["input", "phoneNumber"], message: expect.any(String) }],
    });
    expect(await sg.db.notificationPreference.findUnique({ where: { userId: id } })).toBeNull();
  });

  it("refuses SMS without a phone number, given or stored (PHONE_REQUIRED)", async () => {
    const token = await sg.token();
    const required = {
      preferences: null,
      userErrors: [{ code: "PHONE_REQUIRED", field: ["input", "phoneNumber"], message: expect.any(String) }],
    };
    expect(await update(token, { sms: true })).toEqual(required);
    await update(token, { sms: true, phoneNumber: "+447911123456" });
    // Clearing the number while SMS stays on would leave SMS without a destination.
    expect(await update(token, { phoneNumber: null })).toEqual(required);
    expect(await update(token, { sms: false, phoneNumber: null })).toEqual({
      preferences: { email: true, sms: false, inApp: true, phoneNumber: null },
      userErrors: [],
    });
  });
});

describe("updateNotificationPreferences: SMS numbers that cost money", () => {
  it.each(["+44 909 879 0000", "+449098790000", "+1 900 555 0100"])(
    "refuses the premium-rate number %j (PHONE_NUMBER_NOT_ALLOWED) and saves nothing",
    async (phoneNumber) => {
      const id = randomUUID();
      const res = await sg.query(UPDATE, {
        token: await sg.token(id),
        variables: { input: { sms: true, phoneNumber } },
      });
      expect(res.status).toBe(200);
      expect(res.data?.updateNotificationPreferences).toEqual({
        preferences: null,
        userErrors: [
          {
            code: "PHONE_NUMBER_NOT_ALLOWED",
            field: ["input", "phoneNumber"],
            message: expect.stringMatching(/premium-rate/i),
          },
        ],
      });
      expect(await sg.db.notificationPreference.findUnique({ where: { userId: id } })).toBeNull();
    },
  );

  it("accepts a normal mobile number and stores it in E.164", async () => {
    const id = randomUUID();
    const res = await sg.query(UPDATE, {
      token: await sg.token(id),
      variables: { input: { sms: true, phoneNumber: "+44 7911 123456" } },
    });
    expect(res.data?.updateNotificationPreferences).toEqual({
      preferences: { email: true, sms: true, inApp: true, phoneNumber: "+447911123456" },
      userErrors: [],
    });
    expect((await sg.db.notificationPreference.findUnique({ where: { userId: id } }))?.phoneNumber).toBe(
      "+447911123456",
    );
  });
});

describe("mutations need a signed-in user", () => {
  it.each([
    ["markNotificationRead", MARK, { id: randomUUID() }],
    ["markAllNotificationsRead", MARK_ALL, {}],
    ["updateNotificationPreferences", UPDATE, { input: { email: false } }],
  ])("%s: anonymous → UNAUTHENTICATED", async (field, query, variables) => {
    const res = await sg.query(query, { variables });
    expect(codes(res)).toEqual(["UNAUTHENTICATED"]);
    expect(res.data?.[field] ?? null).toBeNull();
  });

  it("refuses an invalid token with HTTP 401", async () => {
    const res = await sg.query(MARK_ALL, { token: "not.a.jwt" });
    expect(res.status).toBe(401);
    expect(codes(res)).toEqual(["UNAUTHENTICATED"]);
  });
});
