import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAdmin, seedCustomer, seedNotifications, seedUsers } from "@shopgraph/fixtures";
import { startTestNotifications } from "./harness.ts";

let sg: Awaited<ReturnType<typeof startTestNotifications>>;
let customer: string;
let admin: string;
let other: string;
beforeAll(async () => {
  sg = await startTestNotifications();
  [customer, admin, other] = await Promise.all([
    sg.token(seedCustomer.id),
    sg.token(seedAdmin.id, "ADMIN"),
    sg.token(seedUsers[2]!.id),
  ]);
});
afterAll(() => sg?.close());

const USER_FIELDS = `
  query($id: ID!, $first: Int, $after: String, $unreadOnly: Boolean) {
    _entities(representations: [{ __typename: "User", id: $id }]) {
      ... on User {
        id
        notifications(first: $first, after: $after, unreadOnly: $unreadOnly) {
          totalCount
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { cursor node { id kind title body readAt createdAt order { __typename id } } }
        }
        unreadNotificationCount
        notificationPreferences { email sms inApp phoneNumber }
      }
    }
  }`;
const userFields = (id: string, token?: string, variables: Record<string, unknown> = {}) =>
  sg.query(USER_FIELDS, { variables: { id, ...variables }, ...(token ? { token } : {}) });
const codes = (res: { errors?: { extensions?: Record<string, unknown> }[] }) => [
  ...new Set((res.errors ?? []).map((e) => e.extensions?.code)),
];

describe("User.notifications, unreadNotificationCount, notificationPreferences", () => {
  it("pages the user's own notifications newest first, with counts and preferences", async () => {
    const res = await userFields(seedCustomer.id, customer, { first: 2 });
    expect(res.errors).toBeUndefined();
    const user = res.data?._entities[0];
    const newestFirst = [...seedNotifications].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    expect(user.notifications.totalCount).toBe(5);
    expect(user.notifications.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(
      newestFirst.slice(0, 2).map((n) => n.id),
    );
    expect(user.notifications.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(user.unreadNotificationCount).toBe(4);
    expect(user.notificationPreferences).toEqual({ email: true, sms: false, inApp: true, phoneNumber: null });
    const shipped = newestFirst[0]!;
    expect(user.notifications.edges[0].node).toMatchObject({
      kind: shipped.kind,
      title: shipped.title,
      order: { __typename: "Order", id: shipped.orderId },
    });

    const next = await userFields(seedCustomer.id, customer, {
      first: 10,
      after: user.notifications.pageInfo.endCursor,
    });
    expect(next.data?._entities[0].notifications.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(
      newestFirst.slice(2).map((n) => n.id),
    );
    expect(next.data?._entities[0].notifications.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it("filters unread only; WELCOME (read, no order) is left out", async () => {
    const res = await userFields(seedCustomer.id, customer, { unreadOnly: true });
    const nodes = res.data?._entities[0].notifications.edges.map(
      (e: { node: { kind: string; readAt: string | null } }) => e.node,
    );
    expect(res.data?._entities[0].notifications.totalCount).toBe(4);
    expect(nodes.every((n: { readAt: string | null; kind: string }) => n.readAt === null && n.kind !== "WELCOME")).toBe(
      true,
    );
  });

  it("gives a user without stored preferences the defaults and an empty inbox", async () => {
    const id = randomUUID();
    const res = await userFields(id, await sg.token(id));
    expect(res.data?._entities[0]).toMatchObject({
      notifications: { totalCount: 0, edges: [] },
      unreadNotificationCount: 0,
      notificationPreferences: { email: true, sms: false, inApp: true, phoneNumber: null },
    });
  });

  it.each([
    ["anonymous", () => undefined, "UNAUTHENTICATED"],
    ["another customer", () => other, "FORBIDDEN"],
    ["an ADMIN", () => admin, "FORBIDDEN"],
  ])("refuses %s every private field (%s) and leaks nothing", async (_who, token, code) => {
    for (const field of [
      "notifications { totalCount }",
      "unreadNotificationCount",
      "notificationPreferences { email }",
    ]) {
      const res = await sg.query(
        `query($id: ID!) { _entities(representations: [{ __typename: "User", id: $id }]) { ... on User { id ${field} } } }`,
        { variables: { id: seedCustomer.id }, ...(token() ? { token: token()! } : {}) },
      );
      expect({ field, codes: codes(res) }).toEqual({ field, codes: [code] });
      expect(res.data?._entities?.[0] ?? null).toBeNull();
    }
  });

  it("enforces the page limit and rejects forged cursors with BAD_USER_INPUT", async () => {
    expect(codes(await userFields(seedCustomer.id, customer, { first: 101 }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await userFields(seedCustomer.id, customer, { first: -1 }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await userFields(seedCustomer.id, customer, { after: "bm90LWEtY3Vyc29y" }))).toEqual([
      "BAD_USER_INPUT",
    ]);
  });
});

describe("Notification entity", () => {
  const seeded = seedNotifications.find((n) => n.orderId)!;
  const fetchNotification = (token?: string) =>
    sg.query(
      `query($id: ID!) { _entities(representations: [{ __typename: "Notification", id: $id }]) { ... on Notification { id kind title order { id } } } }`,
      { variables: { id: seeded.id }, ...(token ? { token } : {}) },
    );

  it("resolves for its owner, with the order as a reference", async () => {
    const res = await fetchNotification(customer);
    expect(res.data?._entities[0]).toEqual({
      id: seeded.id,
      kind: seeded.kind,
      title: seeded.title,
      order: { id: seeded.orderId },
    });
  });

  it.each([
    ["anonymous", () => undefined, "UNAUTHENTICATED"],
    ["another customer", () => other, "FORBIDDEN"],
    ["an ADMIN", () => admin, "FORBIDDEN"],
  ])("refuses %s", async (_who, token, code) => {
    const res = await fetchNotification(token());
    expect(codes(res)).toEqual([code]);
    expect(res.data?._entities[0]).toBeNull();
  });

  it("resolves unknown and non-UUID ids to null", async () => {
    const res = await sg.query(
      `{ _entities(representations: [{ __typename: "Notification", id: "${randomUUID()}" }, { __typename: "Notification", id: "nope" }]) { ... on Notification { id } } }`,
      { token: customer },
    );
    expect(res.data?._entities).toEqual([null, null]);
  });
});

describe("Query.deliveries (ADMIN)", () => {
  const DELIVERIES = `query($first: Int, $after: String, $channel: NotificationChannel, $status: DeliveryStatus) {
    deliveries(first: $first, after: $after, channel: $channel, status: $status) {
      totalCount pageInfo { hasNextPage endCursor }
      edges { node { id channel kind recipient status attempts lastError createdAt sentAt } }
    } }`;
  const deliveries = (token: string | undefined, variables: Record<string, unknown> = {}) =>
    sg.query(DELIVERIES, { variables, ...(token ? { token } : {}) });

  it("lists the delivery log newest first with masked recipients", async () => {
    const res = await deliveries(admin, { first: 3 });
    expect(res.errors).toBeUndefined();
    expect(res.data?.deliveries.totalCount).toBe(5);
    expect(res.data?.deliveries.pageInfo.hasNextPage).toBe(true);
    const nodes = res.data?.deliveries.edges.map((e: { node: unknown }) => e.node);
    expect(nodes.every((n: { recipient: string }) => n.recipient === "c***@shopgraph.dev")).toBe(true);
    const rest = await deliveries(admin, { first: 3, after: res.data?.deliveries.pageInfo.endCursor });
    expect(rest.data?.deliveries.edges).toHaveLength(2);
  });

  it("filters by status and channel", async () => {
    const failed = await deliveries(admin, { status: "FAILED" });
    expect(failed.data?.deliveries.edges.map((e: { node: unknown }) => e.node)).toEqual([
      expect.objectContaining({
        kind: "ORDER_SHIPPED",
        status: "FAILED",
        attempts: 3,
        lastError: expect.stringContaining("SMTP 421"),
        sentAt: null,
      }),
    ]);
    expect((await deliveries(admin, { channel: "SMS" })).data?.deliveries.totalCount).toBe(0);
    expect((await deliveries(admin, { channel: "EMAIL", status: "SENT" })).data?.deliveries.totalCount).toBe(4);
  });

  it("refuses customers (FORBIDDEN) and anonymous callers (UNAUTHENTICATED), and enforces the page limit", async () => {
    expect(codes(await deliveries(customer))).toEqual(["FORBIDDEN"]);
    expect(codes(await deliveries(undefined))).toEqual(["UNAUTHENTICATED"]);
    expect(codes(await deliveries(admin, { first: 101 }))).toEqual(["BAD_USER_INPUT"]);
    expect(codes(await deliveries(admin, { after: "garbage" }))).toEqual(["BAD_USER_INPUT"]);
  });
});
