import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedAdmin, seedProducts } from "@shopgraph/fixtures";
import { gql } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";

/** Polls `me.notifications` until one of `kind` appears or `withinMs` passes. */
async function waitForNotification(stack: Stack, token: string, kind: string, withinMs: number) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const res = await gql(
      stack.url,
      "{ me { notifications(first: 20) { edges { node { kind title body order { id } } } } } }",
      { token },
    );
    const found = res.data?.me?.notifications.edges
      .map((e: { node: { kind: string } }) => e.node)
      .find((n: { kind: string }) => n.kind === kind);
    if (found || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const MODES = [
  ["real Redis (streams)", false],
  ["embedded (HTTP push, no Redis)", true],
] as const;

describe.each(MODES)("events end to end: %s", (_mode, withoutRedis) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ withoutRedis, gatewayEnv: { RATE_LIMIT_ENABLED: "false" } });
  });
  afterAll(() => stack?.close());

  it("register → WELCOME in-app notification within 2 s", async () => {
    const email = `events-${withoutRedis ? "embedded" : "redis"}@example.com`;
    const res = await gql(
      stack.url,
      "mutation($i: RegisterInput!) { register(input: $i) { session { accessToken } userErrors { code } } }",
      { variables: { i: { email, password: "a long enough password", name: "Evie" } } },
    );
    const token = res.data?.register.session.accessToken;
    const welcome = await waitForNotification(stack, token, "WELCOME", 2_000);
    expect(welcome).toMatchObject({ kind: "WELCOME" });
  });

  it("placeOrder → ORDER_CONFIRMED notification linked to the order within 2 s", async () => {
    const email = `buyer-${withoutRedis ? "embedded" : "redis"}@example.com`;
    const reg = await gql(
      stack.url,
      "mutation($i: RegisterInput!) { register(input: $i) { session { accessToken } } }",
      { variables: { i: { email, password: "a long enough password", name: "Bea" } } },
    );
    const token = reg.data?.register.session.accessToken;
    await waitForNotification(stack, token, "WELCOME", 2_000);
    const product = seedProducts.find((p) => !p.archived && p.stock > 10)!;
    const placed = await gql(
      stack.url,
      'mutation($input: PlaceOrderInput!) { placeOrder(input: $input, idempotencyKey: "evt-key-1") { order { id status } userErrors { code } } }',
      {
        token,
        variables: {
          input: {
            lines: [{ productId: product.id, quantity: 1 }],
            shippingAddress: { name: "Bea", line1: "1 Road", city: "Town", postalCode: "1000", country: "GB" },
            paymentToken: "tok_visa",
          },
        },
      },
    );
    const order = placed.data?.placeOrder.order;
    expect(order.status).toBe("PAID");
    const confirmed = await waitForNotification(stack, token, "ORDER_CONFIRMED", 2_000);
    expect(confirmed?.order?.id).toBe(order.id);
  });

  it("sends the ADMIN a delivery log entry with a masked recipient", async () => {
    const admin = await gql(
      stack.url,
      'mutation { login(input: { email: "' +
        seedAdmin.email +
        '", password: "' +
        DEMO_PASSWORDS.admin +
        '" }) { session { accessToken } } }',
    );
    const res = await gql(
      stack.url,
      "{ deliveries(first: 50, channel: EMAIL) { edges { node { recipient kind status } } } }",
      { token: admin.data?.login.session.accessToken },
    );
    const recipients = res.data?.deliveries.edges.map(
      (e: { node: { recipient: string } }) => e.node.recipient,
    ) as string[];
    expect(recipients.length).toBeGreaterThan(0);
    for (const r of recipients) expect(r).toMatch(/^\w\*\*\*@/);
  });
});
