import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedAdmin } from "@shopgraph/fixtures";
import { gql } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";
import { liveProduct as product, moveOrder, placeOrderAs } from "./live/live-orders.ts";
import {
  activeSubscriptions,
  transportClient,
  waitForActive,
  type Received,
  type TransportClient,
  type TransportName,
} from "./live/live-clients.ts";

// Live updates end to end: the whole supergraph on real PostgreSQL and Redis, one client library
// per transport (Apollo Client 4 over multipart HTTP, graphql-ws, graphql-sse).

const NOTIFICATION_ADDED =
  "subscription { notificationAdded { kind title order { id number status items { product { title } } } } }";
const ORDER_UPDATED = "subscription($id: ID!) { orderUpdated(id: $id) { id status trackingNumber } }";
const PER_USER = 3;
let stack: Stack;
let adminToken: string;
/** The running notifications subgraph (each transport's test restarts it). */
let notifications: { url: string; close(): Promise<void> };
const clients: TransportClient[] = [];

const register = async (email: string, name: string): Promise<string> => {
  const res = await gql(
    stack.url,
    "mutation($i: RegisterInput!) { register(input: $i) { session { accessToken } userErrors { code } } }",
    { variables: { i: { email, password: "a long enough password", name } } },
  );
  const token = res.data?.register.session?.accessToken as string | undefined;
  if (!token) throw new Error(`register failed: ${JSON.stringify(res)}`);
  return token;
};
const client = (transport: TransportName, token: string | null) => {
  const c = transportClient(transport, stack.url, token);
  clients.push(c);
  return c;
};
const placeOrder = (token: string, key: string) => placeOrderAs(stack.url, token, key, "Lee");
const admin = (mutation: "markOrderShipped" | "markOrderDelivered", id: string) =>
  moveOrder(stack.url, adminToken, mutation, id);
const notification = (r: Received) =>
  r.data?.notificationAdded as
    | {
        kind: string;
        title: string;
        order: { id: string; number: string; status: string; items: { product: { title: string } }[] } | null;
      }
    | undefined;
const statusOf = (r: Received) => (r.data?.orderUpdated as { status: string } | undefined)?.status;
/** Everything a refused subscription reported (client libraries shape refusals differently). */
const endReason = (sub: { failure: unknown; results: Received[] }): string => {
  const f = sub.failure as Record<string, unknown> | undefined;
  const own = f && typeof f === "object" ? Object.fromEntries(Object.getOwnPropertyNames(f).map((k) => [k, f[k]])) : f;
  return `${String(f)} ${JSON.stringify(own ?? null)} ${JSON.stringify(sub.results)}`;
};
/** The same subscribe as a raw HTTP request: the refusal's status and code as the gateway sent them. */
const rawRefusal = async (transport: TransportName, token: string) => {
  const accept =
    transport === "sse"
      ? "text/event-stream"
      : 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json';
  const res = await fetch(stack.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept, authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: NOTIFICATION_ADDED }),
  });
  const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
  return { status: res.status, code: body.errors?.[0]?.extensions?.code };
};

beforeAll(async () => {
  stack = await startStack({
    gatewayEnv: {
      RATE_LIMIT_ENABLED: "false",
      LIVE_MAX_SUBSCRIPTIONS_PER_USER: String(PER_USER),
      LIVE_HEARTBEAT_MS: "500",
    },
  });
  const login = await gql(
    stack.url,
    `mutation { login(input: { email: "${seedAdmin.email}", password: "${DEMO_PASSWORDS.admin}" }) { session { accessToken } } }`,
  );
  adminToken = login.data?.login.session.accessToken;
  notifications = stack.notifications;
}, 120_000);
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await stack?.close();
});

describe("subscriptions on /graphql", () => {
  it("a subscription sent as a plain JSON request is a coded 400 naming the streaming transports", async () => {
    const res = await gql(stack.url, NOTIFICATION_ADDED, { token: adminToken });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(res.errors?.[0]?.message).toMatch(/multipart.*Server-Sent Events.*WebSocket/);
  });

  it("applies the query limits at admission (depth) before anything is subscribed", async () => {
    const deep = `subscription { notificationAdded { order { customer { orders { edges { node { customer { orders { edges { node { customer { orders { edges { node { customer { orders { edges { node { id } } } } } } } } } } } } } } } } } } }`;
    const res = await fetch(stack.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        authorization: `Bearer ${adminToken}`,
      },
      body: JSON.stringify({ query: deep }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe.each(["ws", "multipart", "sse"] as const)("live updates over %s", (transport) => {
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([
      register(`alice-${transport}@example.com`, "Alice"),
      register(`bob-${transport}@example.com`, "Bob"),
    ]);
  });

  it("placeOrder → notificationAdded with the order number and product titles (notifications → orders → products); another customer gets nothing", async () => {
    const before = await activeSubscriptions();
    const mine = client(transport, alice).subscribe(NOTIFICATION_ADDED);
    const theirs = client(transport, bob).subscribe(NOTIFICATION_ADDED);
    await waitForActive(before + 2);
    const order = await placeOrder(alice, `live-${transport}-1`);
    const got = await mine.waitFor((r) => notification(r)?.kind === "ORDER_CONFIRMED");
    expect(got.errors).toBeUndefined();
    expect(notification(got)?.order).toMatchObject({
      id: order.id,
      number: order.number,
      status: "PAID",
      items: [{ product: { title: product.title } }],
    });
    expect(notification(got)?.title).toContain(order.number);
    // Bob may see his own WELCOME (registration is asynchronous); Alice's order must never reach him.
    await new Promise((r) => setTimeout(r, 500));
    expect(theirs.results.filter((r) => notification(r)?.kind !== "WELCOME")).toEqual([]);
    mine.stop();
    theirs.stop();
  });

  it("orderUpdated follows PAID → SHIPPED → DELIVERED for the owner and an ADMIN; another customer's subscription gets nothing; it survives a notifications restart", async () => {
    const order = await placeOrder(alice, `live-${transport}-2`);
    const before = await activeSubscriptions();
    const owner = client(transport, alice).subscribe(ORDER_UPDATED, { id: order.id });
    const staff = client(transport, adminToken).subscribe(ORDER_UPDATED, { id: order.id });
    const other = client(transport, bob).subscribe(ORDER_UPDATED, { id: order.id });
    const ownerNotes = client(transport, alice).subscribe(NOTIFICATION_ADDED);
    await waitForActive(before + 4);
    await owner.waitFor((r) => statusOf(r) === "PAID");

    // The notifications subgraph restarts: the subscription lives in the gateway, so it goes on.
    const port = new URL(notifications.url).port;
    await notifications.close();
    notifications = await stack.restartNotifications(port);

    await admin("markOrderShipped", order.id);
    await owner.waitFor((r) => statusOf(r) === "SHIPPED");
    await ownerNotes.waitFor((r) => notification(r)?.kind === "ORDER_SHIPPED", 15_000);
    await admin("markOrderDelivered", order.id);
    await owner.waitFor((r) => statusOf(r) === "DELIVERED");
    await staff.waitFor((r) => statusOf(r) === "DELIVERED");
    expect(owner.results.map(statusOf)).toEqual(["PAID", "SHIPPED", "DELIVERED"]);
    expect(staff.results.map(statusOf)).toEqual(["PAID", "SHIPPED", "DELIVERED"]);
    expect(other.results).toEqual([]);
    for (const s of [owner, staff, other, ownerNotes]) s.stop();
  }, 60_000);

  it("refuses a bad token", async () => {
    const sub = client(transport, "not-a-valid-token").subscribe(NOTIFICATION_ADDED);
    await sub.ended();
    expect(sub.results.filter((r) => r.data)).toEqual([]);
    if (transport === "ws") {
      // graphql-ws: connection_init refused, the socket closed with 4403 Forbidden.
      expect((sub.failure as { code?: number }).code).toBe(4403);
    } else {
      expect(endReason(sub)).toMatch(transport === "sse" ? /401/ : /UNAUTHENTICATED/);
      expect(await rawRefusal(transport, "not-a-valid-token")).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    }
  });

  it("caps subscriptions per user with SUBSCRIPTION_LIMIT_EXCEEDED", async () => {
    const carol = await register(`carol-${transport}@example.com`, "Carol");
    const before = await activeSubscriptions();
    const open = Array.from({ length: PER_USER }, () => client(transport, carol).subscribe(NOTIFICATION_ADDED));
    await waitForActive(before + PER_USER);
    const extra = client(transport, carol).subscribe(NOTIFICATION_ADDED);
    await extra.ended();
    expect(endReason(extra)).toMatch(transport === "sse" ? /429/ : /SUBSCRIPTION_LIMIT_EXCEEDED/);
    if (transport !== "ws")
      expect(await rawRefusal(transport, carol)).toEqual({ status: 429, code: "SUBSCRIPTION_LIMIT_EXCEEDED" });
    for (const s of open) s.stop();
  });
});
