import { request, type IncomingMessage } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { connectPgDatabase, createEnvelope, EventType, type NotificationCreatedV1 } from "@shopgraph/events";
import { DEMO_PASSWORDS, seedAdmin } from "@shopgraph/fixtures";
import { registry } from "@shopgraph/metrics";
import { gql } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";
import { liveProduct as product, moveOrder, placeOrderAs } from "./live/live-orders.ts";
import { activeSubscriptions, transportClient, waitForActive, type TransportClient } from "./live/live-clients.ts";

// Live updates in embedded mode (no Redis): the subgraphs push their committed events to the
// gateway's POST /internal/live-events, which feeds its subscribers. And the bounded
// per-subscriber buffer against a real slow TCP reader. Real PostgreSQL, real subgraphs.

const BUFFER = 3;
const NOTIFICATION_ADDED =
  "subscription { notificationAdded { kind title order { id number status items { product { title } } } } }";
const ORDER_UPDATED = "subscription($id: ID!) { orderUpdated(id: $id) { id status } }";
let stack: Stack;
let adminToken: string;
let livePushUrl: string;
const clients: TransportClient[] = [];
const client = (token: string) => {
  const c = transportClient("ws", stack.url, token);
  clients.push(c);
  return c;
};
const register = async (email: string) => {
  const res = await gql(
    stack.url,
    "mutation($i: RegisterInput!) { register(input: $i) { session { accessToken user { id } } } }",
    { variables: { i: { email, password: "a long enough password", name: "Kim" } } },
  );
  const session = res.data?.register.session as { accessToken: string; user: { id: string } } | undefined;
  if (!session) throw new Error(`register failed: ${JSON.stringify(res)}`);
  return session;
};
const placeOrder = (token: string, key: string) => placeOrderAs(stack.url, token, key, "Kim");
const admin = (mutation: "markOrderShipped" | "markOrderDelivered", id: string) =>
  moveOrder(stack.url, adminToken, mutation, id);
/** POSTs a body to the gateway's live-events endpoint; returns the status and the first error code. */
const push = async (body: string, headers: Record<string, string> = {}) => {
  const res = await fetch(livePushUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  const json = (await res.json()) as { errors?: { extensions?: { code?: string } }[]; accepted?: number };
  return { status: res.status, code: json.errors?.[0]?.extensions?.code, accepted: json.accepted };
};
const credential = () => ({ "x-service-token": stack.gatewayToken });
const slowDrops = async () => {
  const values = (await registry.getSingleMetric("gateway_subscription_events_dropped_total")?.get())?.values ?? [];
  return values.filter((v) => v.labels.reason === "slow_consumer").reduce((sum, v) => sum + v.value, 0);
};

beforeAll(async () => {
  stack = await startStack({
    withoutRedis: true,
    gatewayEnv: {
      RATE_LIMIT_ENABLED: "false",
      LIVE_BUFFER_SIZE: String(BUFFER),
      // The slow reader below answers no pings while paused: keep-alive must not end it first.
      LIVE_KEEPALIVE_MS: "600000",
    },
  });
  livePushUrl = `${stack.gateway.url}/internal/live-events`;
  const login = await gql(
    stack.url,
    `mutation { login(input: { email: "${seedAdmin.email}", password: "${DEMO_PASSWORDS.admin}" }) { session { accessToken } } }`,
  );
  adminToken = login.data?.login.session.accessToken;
}, 180_000);
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await stack?.close();
});

describe("live updates without Redis (embedded mode: events pushed to the gateway)", () => {
  it("placeOrder produces notificationAdded with the order's number and product titles; orderUpdated follows PAID → SHIPPED → DELIVERED", async () => {
    const { accessToken } = await register("embedded-live@example.com");
    const before = await activeSubscriptions();
    const notes = client(accessToken).subscribe(NOTIFICATION_ADDED);
    await waitForActive(before + 1);
    const order = await placeOrder(accessToken, "embedded-live-1");
    const confirmed = await notes.waitFor(
      (r) => (r.data?.notificationAdded as { kind?: string } | undefined)?.kind === "ORDER_CONFIRMED",
      20_000,
    );
    // Resolved after the event: the order it names is committed and federated (orders → products).
    expect(confirmed.data?.notificationAdded).toMatchObject({
      order: { id: order.id, number: order.number, status: "PAID", items: [{ product: { title: product.title } }] },
    });

    const updates = client(accessToken).subscribe(ORDER_UPDATED, { id: order.id });
    const statusOf = (r: { data?: Record<string, unknown> | null }) =>
      (r.data?.orderUpdated as { status?: string } | undefined)?.status;
    await updates.waitFor((r) => statusOf(r) === "PAID");
    await admin("markOrderShipped", order.id);
    await updates.waitFor((r) => statusOf(r) === "SHIPPED", 20_000);
    await admin("markOrderDelivered", order.id);
    await updates.waitFor((r) => statusOf(r) === "DELIVERED", 20_000);
    expect(updates.results.map(statusOf)).toEqual(["PAID", "SHIPPED", "DELIVERED"]);
    notes.stop();
    updates.stop();
  }, 90_000);

  it("takes pushes only with the gateway credential, and refuses malformed ones with a coded error", async () => {
    const valid = JSON.stringify({ events: [createEnvelope("user.registered", {})] });
    expect(await push(valid)).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
    expect(await push(valid, { "x-service-token": "not-the-credential" })).toMatchObject({
      status: 401,
      code: "UNAUTHENTICATED",
    });
    // The subgraphs' service credential is not the gateway's: the gateway never holds it.
    expect(await push(valid, { "x-service-token": "e2e-service-token-0123456789abcdef0123" })).toMatchObject({
      status: 401,
      code: "UNAUTHENTICATED",
    });
    expect(await push("{not json", credential())).toMatchObject({ status: 400, code: "BAD_REQUEST" });
    expect(await push(JSON.stringify({ event: [] }), credential())).toMatchObject({ status: 400, code: "BAD_REQUEST" });
    expect(await push(JSON.stringify({ events: [{ id: "x", type: "order.paid" }] }), credential())).toMatchObject({
      status: 400,
      code: "BAD_REQUEST",
    });
    const tooMany = { events: Array.from({ length: 101 }, () => createEnvelope("user.registered", {})) };
    expect(await push(JSON.stringify(tooMany), credential())).toMatchObject({ status: 400, code: "BAD_REQUEST" });
    expect(await push(JSON.stringify({ events: [], pad: "x".repeat(1024 * 1024) }), credential())).toMatchObject({
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
    });
    expect(await push(valid, credential())).toMatchObject({ status: 200, accepted: 1 });
  });

  it(`drops a subscriber whose socket stops reading with SUBSCRIBER_TOO_SLOW once it falls ${BUFFER} events behind; one that reads keeps receiving`, async () => {
    const user = await register("slow-reader@example.com");
    // Its WELCOME notification first: arriving mid-test, it would be one more event for both subscribers.
    await welcomed(user.accessToken);
    {
      const before = await activeSubscriptions();
      // The slow reader: graphql-transport-ws by hand over `ws`, so its socket can be paused.
      const slow = new WebSocket(stack.url.replace(/^http/, "ws"), "graphql-transport-ws");
      const messages: { type: string; payload?: unknown }[] = [];
      let onMessage = () => {};
      slow.on("message", (data: Buffer) => {
        messages.push(JSON.parse(String(data)) as { type: string; payload?: unknown });
        onMessage();
      });
      const until = (check: () => boolean, what: string, timeoutMs = 20_000) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
          onMessage = () => {
            if (check()) {
              clearTimeout(timer);
              resolve();
            }
          };
          onMessage();
        });
      await new Promise((resolve, reject) => slow.once("open", resolve).once("error", reject));
      slow.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${user.accessToken}` } }));
      await until(() => messages.some((m) => m.type === "connection_ack"), "connection_ack");
      slow.send(
        JSON.stringify({
          id: "slow",
          type: "subscribe",
          payload: { query: "subscription { notificationAdded { id title } }" },
        }),
      );
      const reader = client(user.accessToken).subscribe("subscription { notificationAdded { id } }");
      await waitForActive(before + 2);
      slow.pause();

      const dropsBefore = await slowDrops();
      const { sent, droppedAt } = await feedUntilDropped(user.user.id, reader);
      expect(await slowDrops()).toBe(dropsBefore + 1);
      // The reader got every event, the slow subscriber's drop did not disturb it.
      expect(reader.results.map((r) => (r.data?.notificationAdded as { id: string }).id)).toEqual(sent);
      expect(reader.completed).toBe(false);

      // The paused socket reads again: what the kernel held, then the error, then complete. The
      // gateway kept nothing for it after the drop (the events since never reach it).
      slow.resume();
      await until(() => messages.some((m) => m.type === "complete"), "complete");
      const nexts = messages.filter((m) => m.type === "next") as { payload: { data?: unknown; errors?: unknown[] } }[];
      const last = nexts.at(-1)?.payload;
      expect(last?.errors?.[0]).toMatchObject({
        extensions: { code: "SUBSCRIBER_TOO_SLOW", limit: BUFFER, retryable: true },
      });
      const received = nexts.filter((m) => m.payload.data).length;
      // What was sent before the stall plus the one in flight; the BUFFER queued events and the
      // one that overflowed were discarded, and so was every event after the drop.
      expect(received).toBeGreaterThan(0);
      expect(received, `dropped at event ${droppedAt}`).toBeLessThanOrEqual(droppedAt - BUFFER - 1);
      slow.close();
      reader.stop();
      await waitForActiveAtMost(before);
    }
  }, 180_000);
  it("drops a multipart subscriber whose response is not read the same way, with the error as its last part", async () => {
    const user = await register("slow-multipart@example.com");
    await welcomed(user.accessToken);
    const before = await activeSubscriptions();
    const req = request(stack.url, {
      method: "POST",
      headers: {
        accept: "multipart/mixed;subscriptionSpec=1.0",
        "content-type": "application/json",
        authorization: `Bearer ${user.accessToken}`,
      },
    });
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      req.once("response", resolve).once("error", reject);
      req.end(JSON.stringify({ query: "subscription { notificationAdded { id title } }" }));
    });
    expect(response.statusCode).toBe(200);
    // Not read: once its buffers are full Node stops reading the socket, and the kernel's fill up.
    response.pause();
    const reader = client(user.accessToken).subscribe("subscription { notificationAdded { id } }");
    await waitForActive(before + 2);
    const dropsBefore = await slowDrops();
    const { sent, droppedAt } = await feedUntilDropped(user.user.id, reader);
    expect(await slowDrops()).toBe(dropsBefore + 1);
    expect(reader.results.map((r) => (r.data?.notificationAdded as { id: string }).id)).toEqual(sent);

    const chunks: Buffer[] = [];
    const ended = new Promise((resolve) => response.once("end", resolve));
    response.on("data", (chunk: Buffer) => chunks.push(chunk));
    // Explicitly paused: a 'data' listener alone does not resume it.
    response.resume();
    await ended;
    const parts = Buffer.concat(chunks)
      .toString("utf8")
      .split("--graphql")
      .map((part) => part.slice(part.indexOf("{")))
      .filter((part) => part.startsWith("{") && part.trim() !== "{}")
      .map((part) => JSON.parse(part) as { payload: { data?: unknown; errors?: unknown[] } });
    expect(parts.at(-1)?.payload.errors?.[0]).toMatchObject({
      extensions: { code: "SUBSCRIBER_TOO_SLOW", limit: BUFFER, retryable: true },
    });
    const received = parts.filter((p) => p.payload.data).length;
    expect(received).toBeGreaterThan(0);
    expect(received, `dropped at event ${droppedAt}`).toBeLessThanOrEqual(droppedAt - BUFFER - 1);
    reader.stop();
    await waitForActiveAtMost(before);
  }, 180_000);
});

/**
 * Pushes large notification.created events (≈200 KB results) for `userId`, one at a time, each
 * only once `reader` (a subscriber that reads) has it: the reader never falls behind, so only a
 * subscriber that stopped reading can overflow. The kernel's socket buffers (several MB on
 * loopback) fill after a few dozen results, and only then does the gateway's send stall: the
 * real backpressure of a reader that stopped reading, not a simulated one. Stops 5 events after
 * the first slow_consumer drop; `droppedAt` is how many events had been pushed by then.
 */
async function feedUntilDropped(
  userId: string,
  reader: ReturnType<TransportClient["subscribe"]>,
): Promise<{ sent: string[]; droppedAt: number }> {
  const db = connectPgDatabase(stack.databaseUrls.notifications);
  const title = "t".repeat(200_000);
  const dropsBefore = await slowDrops();
  const sent: string[] = [];
  let droppedAt: number | undefined;
  try {
    while (droppedAt === undefined || sent.length < droppedAt + 5) {
      if (sent.length >= 200) throw new Error("200 large events and the paused subscriber was never dropped");
      const rows = await db.query<{ id: string }>(
        `INSERT INTO "Notification" (id, "userId", kind, title, body) VALUES (gen_random_uuid(), $1::uuid, 'WELCOME', $2, '') RETURNING id`,
        [userId, `${title}${sent.length}`],
      );
      const id = rows[0]!.id;
      const event = createEnvelope<NotificationCreatedV1>(EventType.NOTIFICATION_CREATED, {
        notificationId: id,
        userId,
        kind: "WELCOME",
        orderId: null,
      });
      sent.push(id);
      expect(await push(JSON.stringify({ events: [event] }), credential())).toMatchObject({ status: 200 });
      await reader.waitFor((r) => (r.data?.notificationAdded as { id?: string } | undefined)?.id === id, 20_000);
      if (droppedAt === undefined && (await slowDrops()) > dropsBefore) droppedAt = sent.length;
    }
  } finally {
    await db.close();
  }
  return { sent, droppedAt };
}

/** Waits until the user's WELCOME notification exists (the consumer handles user.registered asynchronously). */
async function welcomed(token: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await gql(stack.url, "{ me { notifications(first: 5) { edges { node { kind } } } } }", { token });
    const kinds = (res.data?.me?.notifications.edges ?? []).map((e: { node: { kind: string } }) => e.node.kind);
    if (kinds.includes("WELCOME")) return;
    if (Date.now() > deadline) throw new Error(`no WELCOME notification: ${JSON.stringify(res)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until at most `count` subscriptions are open (the dropped and stopped ones have ended). */
async function waitForActiveAtMost(count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await activeSubscriptions()) > count) {
    if (Date.now() > deadline) throw new Error(`expected at most ${count} open subscriptions`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
