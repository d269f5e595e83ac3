// Must stay the first import: it starts the SDK (and its loader hook) before pg and ioredis load.
import { receiver, telemetry } from "./telemetry-setup.ts";
import { context, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedCustomer, seedProducts } from "@shopgraph/fixtures";
import { gql } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";
import { activeSubscriptions, transportClient, waitForActive, type TransportClient } from "./live/live-clients.ts";

// A live delivery joins the trace of the request that caused it (placeOrder → order.confirmed →
// notifications → notification.created → the gateway's delivery and its per-event query), and
// the subscription metrics are exported on the metrics listener.

let stack: Stack;
let token: string;
let ws: TransportClient;
const product = seedProducts.find((p) => !p.archived && p.stock > 20)!;

beforeAll(async () => {
  stack = await startStack({ gatewayEnv: { RATE_LIMIT_ENABLED: "false" } });
  const login = await gql(stack.url, "mutation($i: LoginInput!) { login(input: $i) { session { accessToken } } }", {
    variables: { i: { email: seedCustomer.email, password: DEMO_PASSWORDS.customer } },
  });
  token = login.data?.login.session.accessToken as string;
}, 120_000);
afterAll(async () => {
  await ws?.close();
  await stack?.close();
  await telemetry.shutdown();
  await receiver.close();
});

describe("live updates: traces and metrics", () => {
  it("the notificationAdded delivery continues the placeOrder trace, and its per-event query runs inside it", async () => {
    ws = transportClient("ws", stack.url, token);
    const sub = ws.subscribe("subscription { notificationAdded { kind order { id } } }");
    await waitForActive(1);
    const span = trace.getTracer("e2e-client").startSpan("client PlaceOrder");
    const placed = await context.with(trace.setSpan(context.active(), span), () =>
      gql(
        stack.url,
        'mutation($input: PlaceOrderInput!) { placeOrder(input: $input, idempotencyKey: "live-trace-1") { order { id } } }',
        {
          token,
          variables: {
            input: {
              lines: [{ productId: product.id, quantity: 1 }],
              shippingAddress: { name: "Tia", line1: "1 Road", city: "Town", postalCode: "1000", country: "GB" },
              paymentToken: "tok_visa",
            },
          },
        },
      ),
    );
    span.end();
    const traceId = span.spanContext().traceId;
    const orderId = placed.data?.placeOrder.order.id as string;
    await sub.waitFor(
      (r) => (r.data?.notificationAdded as { order: { id: string } | null } | undefined)?.order?.id === orderId,
    );
    await receiver.waitFor(
      (spans) => spans.some((s) => s.traceId === traceId && s.name === "deliver notificationAdded"),
      () => telemetry.forceFlush(),
    );
    const spans = receiver.spans.filter((s) => s.traceId === traceId);
    const deliver = spans.find((s) => s.name === "deliver notificationAdded")!;
    // Its parent is the notifications consumer's span for order.confirmed (where notification.created was published).
    const parent = spans.find((s) => s.spanId === deliver.parentSpanId);
    expect(parent?.name).toBe("process order.confirmed");
    expect(deliver.attributes).toMatchObject({
      "shopgraph.live.transport": "ws",
      "shopgraph.event.type": "notification.created",
    });
    // The per-event query (planned and fetched by the gateway) is a child of the delivery.
    await receiver.waitFor(
      (all) =>
        all.some((s) => s.traceId === traceId && s.name === "gateway.request" && s.parentSpanId === deliver.spanId),
      () => telemetry.forceFlush(),
    );
    sub.stop();
  });

  it("exports active subscriptions by operation and transport and the events delivered", async () => {
    // The first test's subscription is gone (its stop is asynchronous) before this one is counted.
    while ((await activeSubscriptions()) > 0) await new Promise((r) => setTimeout(r, 25));
    const sub = ws.subscribe("subscription { notificationAdded { id } }");
    await waitForActive(1);
    const text = await (await fetch(stack.gateway.metricsUrl!)).text();
    expect(text).toMatch(/gateway_subscriptions_active\{operation="notificationAdded",transport="ws"\} 1/);
    expect(text).toMatch(
      /gateway_subscription_events_delivered_total\{operation="notificationAdded",transport="ws"\} [1-9]/,
    );
    expect(text).toMatch(/gateway_subscription_delivery_lag_seconds_count\{operation="notificationAdded"\} [1-9]/);
    sub.stop();
  });
});
