import { createHash, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importJWK, SignJWT, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { DEMO_PASSWORDS, seedAdmin, seedProducts } from "@shopgraph/fixtures";
import { gql } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";
import {
  activeSubscriptions,
  transportClient,
  waitForActive,
  type TransportClient,
  type TransportName,
} from "./live/live-clients.ts";

// Live updates across replicas and at their limits: per connection, connection-init timeout,
// token expiry and revocation mid-stream, graceful shutdown. Real PostgreSQL, Redis, subgraphs.

const NOTIFICATION_ADDED = "subscription { notificationAdded { kind order { id number } } }";
const ORDER_UPDATED = "subscription($id: ID!) { orderUpdated(id: $id) { id status } }";
const SESSION = "session { accessToken refreshToken user { id } }";
let stack: Stack;
const clients: TransportClient[] = [];
const client = (transport: TransportName, url: string, token: string | null) => {
  const c = transportClient(transport, url, token);
  clients.push(c);
  return c;
};
const register = async (email: string) => {
  const res = await gql(stack.url, `mutation($i: RegisterInput!) { register(input: $i) { ${SESSION} } }`, {
    variables: { i: { email, password: "a long enough password", name: "Lin" } },
  });
  return res.data?.register.session as { accessToken: string; refreshToken: string; user: { id: string } };
};
const product = seedProducts.find((p) => !p.archived && p.stock > 50)!;
const placeOrder = async (token: string, key: string) => {
  const res = await gql(
    stack.url,
    "mutation($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { order { id number } } }",
    {
      token,
      variables: {
        key,
        input: {
          lines: [{ productId: product.id, quantity: 1 }],
          shippingAddress: { name: "Lin", line1: "1 Road", city: "Town", postalCode: "1000", country: "GB" },
          paymentToken: "tok_visa",
        },
      },
    },
  );
  return res.data?.placeOrder.order as { id: string; number: string };
};
const codeOf = (errors: unknown): unknown =>
  Array.isArray(errors) ? (errors[0] as { extensions?: { code?: string } })?.extensions?.code : undefined;

beforeAll(async () => {
  stack = await startStack({
    gatewayEnv: {
      RATE_LIMIT_ENABLED: "false",
      LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: "2",
      // Short, yet wide enough for a client on a loaded machine (3 test files at a time on 2 cores).
      LIVE_CONNECTION_INIT_TIMEOUT_MS: "1000",
      LIVE_AUTH_RECHECK_MS: "200",
      LIVE_HEARTBEAT_MS: "200",
      LIVE_KEEPALIVE_MS: "500",
    },
  });
}, 120_000);
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await stack?.close();
});

describe("live updates across replicas and at their limits", () => {
  it("with Redis, the stream is the only event source: embedded mode's push endpoint does not exist", async () => {
    const res = await fetch(`${stack.gateway.url}/internal/live-events`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-service-token": stack.gatewayToken },
      body: JSON.stringify({ events: [] }),
    });
    expect(res.status).toBe(404);
  });

  it("an event raised through one gateway reaches a subscriber on another replica", async () => {
    const replica = await stack.startAnotherGateway();
    const user = await register("replica@example.com");
    const before = await activeSubscriptions();
    const sub = client("ws", replica.graphqlUrl, user.accessToken).subscribe(NOTIFICATION_ADDED);
    await waitForActive(before + 1);
    const order = await placeOrder(user.accessToken, "replica-1");
    const got = await sub.waitFor(
      (r) => (r.data?.notificationAdded as { kind: string } | undefined)?.kind === "ORDER_CONFIRMED",
    );
    expect(got.data?.notificationAdded).toMatchObject({ order: { id: order.id, number: order.number } });
    sub.stop();
  });

  it("with trusted documents enforced, only a manifest subscription is admitted, and its events (the gateway's own queries) still arrive", async () => {
    const body = "subscription LiveTrusted { notificationAdded { kind order { id } } }";
    const manifest = join(mkdtempSync(join(tmpdir(), "sg-live-pq-")), "manifest.json");
    const id = createHash("sha256").update(body).digest("hex");
    writeFileSync(
      manifest,
      JSON.stringify({
        format: "apollo-persisted-query-manifest",
        version: 1,
        operations: [{ id, name: "LiveTrusted", type: "subscription", body }],
      }),
    );
    const replica = await stack.startAnotherGateway({
      TRUSTED_DOCUMENTS_MODE: "enforce",
      PERSISTED_QUERY_MANIFESTS: manifest,
    });
    const user = await register("trusted@example.com");
    const refused = client("ws", replica.graphqlUrl, user.accessToken).subscribe(
      "subscription { notificationAdded { id } }",
    );
    await refused.ended();
    expect(codeOf(refused.failure)).toBe("PERSISTED_QUERY_NOT_SUPPORTED");
    const before = await activeSubscriptions();
    const sub = client("ws", replica.graphqlUrl, user.accessToken).subscribe(body);
    await waitForActive(before + 1);
    const order = await placeOrder(user.accessToken, "trusted-1");
    await sub.waitFor(
      (r) => (r.data?.notificationAdded as { order: { id: string } | null } | undefined)?.order?.id === order.id,
    );
    sub.stop();
  });

  it("charges the rate limit once, at admission: the per-event queries of a subscription are not refused as RATE_LIMITED", async () => {
    // 3 points a minute: the subscription (cost 1-3) fits; three more queries would not.
    const replica = await stack.startAnotherGateway({
      RATE_LIMIT_ENABLED: "true",
      RATE_LIMIT_USER_POINTS: "3",
    });
    const user = await register("rate-limited@example.com");
    const order = await placeOrder(user.accessToken, "rate-limited-1");
    const login = await gql(
      stack.url,
      `mutation { login(input: { email: "${seedAdmin.email}", password: "${DEMO_PASSWORDS.admin}" }) { session { accessToken } } }`,
    );
    const admin = login.data?.login.session.accessToken as string;
    const sub = client("ws", replica.graphqlUrl, user.accessToken).subscribe(
      "subscription($id: ID!) { orderUpdated(id: $id) { status } }",
      { id: order.id },
    );
    await sub.waitFor((r) => (r.data?.orderUpdated as { status: string } | undefined)?.status === "PAID");
    for (const [mutation, status] of [
      ["markOrderShipped", "SHIPPED"],
      ["markOrderDelivered", "DELIVERED"],
    ] as const) {
      await gql(stack.url, `mutation($id: ID!) { ${mutation}(id: $id) { userErrors { code } } }`, {
        token: admin,
        variables: { id: order.id },
      });
      await sub.waitFor((r) => (r.data?.orderUpdated as { status: string } | undefined)?.status === status);
    }

    expect(
      sub.results.map(
        (r) => (r.data?.orderUpdated as { status: string } | undefined)?.status ?? r.errors?.[0]?.extensions?.code,
      ),
    ).toEqual(["PAID", "SHIPPED", "DELIVERED"]);
    sub.stop();
  });

  it("caps subscriptions per WebSocket connection with SUBSCRIPTION_LIMIT_EXCEEDED", async () => {
    const user = await register("per-connection@example.com");
    const ws = client("ws", stack.url, user.accessToken);
    const before = await activeSubscriptions();
    const open = [ws.subscribe(NOTIFICATION_ADDED), ws.subscribe(NOTIFICATION_ADDED)];
    await waitForActive(before + 2);
    const third = ws.subscribe(NOTIFICATION_ADDED);
    await third.ended();
    expect(codeOf(third.failure)).toBe("SUBSCRIPTION_LIMIT_EXCEEDED");
    // Another connection of the same user is not limited by this one.
    const other = client("ws", stack.url, user.accessToken).subscribe(NOTIFICATION_ADDED);
    await waitForActive(before + 3);
    expect(other.failure).toBeUndefined();
    for (const s of [...open, other]) s.stop();
  });

  it("keeps idle streams alive: multipart sends a {} heartbeat part every LIVE_HEARTBEAT_MS, the WebSocket is pinged every LIVE_KEEPALIVE_MS", async () => {
    const user = await register("heartbeat@example.com");
    const res = await fetch(stack.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: 'multipart/mixed;boundary="graphql";subscriptionSpec=1.0,application/json',
        authorization: `Bearer ${user.accessToken}`,
      },
      body: JSON.stringify({ query: NOTIFICATION_ADDED }),
    });
    expect(res.headers.get("content-type")).toMatch(/^multipart\/mixed; boundary="graphql"; subscriptionSpec="1.0"/);
    const reader = res.body!.getReader();
    let text = "";
    const until = Date.now() + 2_000;
    while (Date.now() < until) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(text.split("\r\n\r\n{}\r\n--graphql").length - 1).toBeGreaterThanOrEqual(3);

    const socket = new WebSocket(stack.url.replace(/^http/, "ws"), "graphql-transport-ws");
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${user.accessToken}` } }));
    let pings = 0;
    socket.on("ping", () => pings++);
    await new Promise((r) => setTimeout(r, 1_800));
    socket.close();
    expect(pings).toBeGreaterThanOrEqual(2);
  });

  it("closes a WebSocket that sends no connection_init in time with 4408", async () => {
    const socket = new WebSocket(stack.url.replace(/^http/, "ws"), "graphql-transport-ws");
    const closed = await new Promise<{ code: number; afterMs: number }>((resolve) => {
      const startedAt = Date.now();
      socket.on("close", (code) => resolve({ code, afterMs: Date.now() - startedAt }));
    });
    expect(closed.code).toBe(4408);
    expect(closed.afterMs).toBeGreaterThanOrEqual(900);
    expect(closed.afterMs).toBeLessThan(5_000);
  });

  it("refuses a WebSocket upgrade from a browser origin outside the CORS allow-list", async () => {
    const socket = new WebSocket(stack.url.replace(/^http/, "ws"), "graphql-transport-ws", {
      headers: { origin: "https://evil.example" },
    });
    const status = await new Promise<number | undefined>((resolve) => {
      socket.on("unexpected-response", (_req, res) => resolve(res.statusCode));
      socket.on("error", () => resolve(undefined));
    });
    expect(status).toBe(403);
  });

  it.each(["ws", "sse", "multipart"] as const)(
    "ends a %s stream with UNAUTHENTICATED when the session is revoked (logout)",
    async (transport) => {
      const user = await register(`revoked-${transport}@example.com`);
      const order = await placeOrder(user.accessToken, `revoked-${transport}`);
      const sub = client(transport, stack.url, user.accessToken).subscribe(ORDER_UPDATED, { id: order.id });
      await sub.waitFor((r) => (r.data?.orderUpdated as { status: string } | undefined)?.status === "PAID");
      await gql(stack.url, "mutation($t: String!) { logout(refreshToken: $t) { success } }", {
        token: user.accessToken,
        variables: { t: user.refreshToken },
      });
      const ended = await sub.waitFor((r) => !!r.errors?.length, 10_000).catch(() => undefined);
      const errors = ended?.errors ?? (sub.failure as unknown[]);
      expect(codeOf(errors)).toBe("UNAUTHENTICATED");
      if (transport !== "multipart") await sub.ended();
    },
  );

  it("ends the stream with UNAUTHENTICATED (TOKEN_EXPIRED) when the access token expires mid-stream", async () => {
    const login = await gql(
      stack.url,
      `mutation { login(input: { email: "${seedAdmin.email}", password: "${DEMO_PASSWORDS.admin}" }) { ${SESSION} } }`,
    );
    const customer = await register("expiring@example.com");
    const order = await placeOrder(customer.accessToken, "expiring-1");
    expect(login.data?.login.session.accessToken).toBeTruthy();
    // A real users-signed ADMIN token that lives 3 seconds (users' minimum TTL is a minute).
    const [jwk] = JSON.parse(readFileSync(join(stack.dataDir, "keys", "users-signing-keys.json"), "utf8")) as (JWK & {
      kid: string;
    })[];
    const key = await importJWK(jwk!, "EdDSA");
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ role: "ADMIN", sid: randomUUID() })
      .setProtectedHeader({ alg: "EdDSA", kid: jwk!.kid })
      .setSubject(seedAdmin.id)
      .setIssuer("https://shopgraph.dev/users")
      .setAudience("shopgraph")
      .setIssuedAt(now)
      .setExpirationTime(now + 3)
      .setJti(randomUUID())
      .sign(key);
    const sub = client("ws", stack.url, token).subscribe(ORDER_UPDATED, { id: order.id });
    await sub.waitFor((r) => (r.data?.orderUpdated as { status: string } | undefined)?.status === "PAID");
    const ended = await sub.waitFor((r) => !!r.errors?.length, 10_000);
    expect(ended.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED", reason: "TOKEN_EXPIRED" });
    await sub.ended();
  });

  it("graceful shutdown completes every stream (multipart, SSE; WebSocket closes 1001) so clients reconnect elsewhere", async () => {
    const replica = await stack.startAnotherGateway();
    const user = await register("shutdown@example.com");
    const before = await activeSubscriptions();
    const subs = (["ws", "sse", "multipart"] as const).map((t) => ({
      t,
      sub: client(t, replica.graphqlUrl, user.accessToken).subscribe(NOTIFICATION_ADDED),
    }));
    await waitForActive(before + 3);
    const closing = replica.close();
    for (const { t, sub } of subs) {
      await sub.ended(10_000);
      // graphql-ws: each subscription completes, then the socket closes with 1001 (going away).
      if (t === "ws") expect(sub.completed || (sub.failure as { code?: number } | undefined)?.code === 1001).toBe(true);
      else expect(sub.failure, t).toBeUndefined();
    }
    await closing;
    expect(await activeSubscriptions()).toBe(before);
  });
});
