import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedAdmin, seedCustomer, seedProducts, seedUsers } from "@shopgraph/fixtures";
import { gql } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";

let stack: Stack;
const tokens: Record<string, string> = {};
const other = seedUsers.find((u) => u.role === "CUSTOMER" && u.id !== seedCustomer.id)!;

async function login(email: string, password: string) {
  const res = await gql(stack.url, "mutation($i: LoginInput!) { login(input: $i) { session { accessToken } } }", {
    variables: { i: { email, password } },
  });
  return res.data?.login.session.accessToken as string;
}

beforeAll(async () => {
  stack = await startStack({ gatewayEnv: { RATE_LIMIT_ENABLED: "false" } });
  tokens.customer = await login(seedCustomer.email, DEMO_PASSWORDS.customer);
  tokens.admin = await login(seedAdmin.email, DEMO_PASSWORDS.admin);
  tokens.other = await login(other.email, DEMO_PASSWORDS.customer);
});
afterAll(() => stack?.close());

const ORDER =
  "order { id number status total { amount currencyCode } subtotal { amount } items { title quantity unitPrice { amount } lineTotal { amount } product { id title } } payment { status amount { amount } failureReason } trackingNumber customer { id } }";
const PLACE = `mutation($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { ${ORDER} userErrors { code field message } } }`;
const address = { name: "Casey Customer", line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" };
const inStock = seedProducts.filter((p) => !p.archived && p.stock >= 20);
const available = async (id: string) =>
  (await gql(stack.url, "query($id: ID) { product(id: $id) { quantityAvailable } }", { variables: { id } })).data
    ?.product.quantityAvailable as number;
const place = (
  lines: { productId: string; quantity: number }[],
  paymentToken: string,
  key: string,
  token = tokens.customer,
) => gql(stack.url, PLACE, { token, variables: { input: { lines, shippingAddress: address, paymentToken }, key } });

describe("checkout through the gateway", () => {
  it("places a paid order, commits stock, and a retry with the same key returns the same order", async () => {
    const [a, b] = [inStock[0]!, inStock[1]!];
    const [beforeA, beforeB] = [await available(a.id), await available(b.id)];
    const lines = [
      { productId: a.id, quantity: 2 },
      { productId: b.id, quantity: 1 },
    ];
    const res = await place(lines, "tok_visa", "e2e-key-1");
    expect(res.errors).toBeUndefined();
    const order = res.data?.placeOrder.order;
    expect(res.data?.placeOrder.userErrors).toEqual([]);
    expect(order).toMatchObject({ status: "PAID", customer: { id: seedCustomer.id }, payment: { status: "CAPTURED" } });
    expect(order.number).toMatch(/^SG-\d{6}$/);
    expect(order.items[0].product.title).toBe(order.items[0].title);
    expect(order.total.amount).toBe(order.payment.amount.amount);
    expect([await available(a.id), await available(b.id)]).toEqual([beforeA - 2, beforeB - 1]);
    const retry = await place(lines, "tok_visa", "e2e-key-1");
    expect(retry.data?.placeOrder.order.id).toBe(order.id);
    expect(await available(a.id)).toBe(beforeA - 2);
    const reused = await place([{ productId: a.id, quantity: 3 }], "tok_visa", "e2e-key-1");
    expect(reused.data?.placeOrder.userErrors[0].code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("declines a card: PAYMENT_FAILED, CARD_DECLINED, and the stock is released", async () => {
    const p = inStock[2]!;
    const before = await available(p.id);
    const res = await place([{ productId: p.id, quantity: 1 }], "tok_chargeDeclined", "e2e-key-2");
    expect(res.data?.placeOrder.userErrors[0].code).toBe("CARD_DECLINED");
    expect(res.data?.placeOrder.order?.status ?? "PAYMENT_FAILED").toBe("PAYMENT_FAILED");
    expect(await available(p.id)).toBe(before);
  });

  it("refuses more than is in stock with OUT_OF_STOCK and reserves nothing", async () => {
    const scarce = seedProducts.find((p) => !p.archived && p.stock > 0 && p.stock < 50)!;
    const other = inStock[4]!;
    const [before, otherBefore] = [await available(scarce.id), await available(other.id)];
    const res = await place(
      [
        { productId: other.id, quantity: 1 },
        { productId: scarce.id, quantity: before + 1 },
      ],
      "tok_visa",
      "e2e-key-3",
    );
    expect(res.data?.placeOrder.userErrors[0]).toMatchObject({ code: "OUT_OF_STOCK" });
    expect(res.data?.placeOrder.userErrors[0].message).toContain(scarce.title);
    expect([await available(scarce.id), await available(other.id)]).toEqual([before, otherBefore]);
  });

  it("runs the lifecycle: only ADMIN ships and delivers; cancelling a paid order refunds and restocks", async () => {
    const p = inStock[5]!;
    const first = (await place([{ productId: p.id, quantity: 1 }], "tok_mastercard", "e2e-key-4")).data?.placeOrder
      .order;
    const forbidden = await gql(stack.url, "mutation($id: ID!) { markOrderShipped(id: $id) { userErrors { code } } }", {
      token: tokens.customer,
      variables: { id: first.id },
    });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const shipped = await gql(
      stack.url,
      'mutation($id: ID!) { markOrderShipped(id: $id, trackingNumber: "1Z999") { order { status trackingNumber } userErrors { code } } }',
      { token: tokens.admin, variables: { id: first.id } },
    );
    expect(shipped.data?.markOrderShipped.order).toEqual({ status: "SHIPPED", trackingNumber: "1Z999" });
    const lateCancel = await gql(stack.url, "mutation($id: ID!) { cancelOrder(id: $id) { userErrors { code } } }", {
      token: tokens.customer,
      variables: { id: first.id },
    });
    expect(lateCancel.data?.cancelOrder.userErrors[0].code).toBe("INVALID_STATUS_TRANSITION");

    const before = await available(p.id);
    const second = (await place([{ productId: p.id, quantity: 2 }], "tok_visa", "e2e-key-5")).data?.placeOrder.order;
    expect(await available(p.id)).toBe(before - 2);
    const cancelled = await gql(
      stack.url,
      `mutation($id: ID!) { cancelOrder(id: $id) { ${ORDER} userErrors { code } } }`,
      { token: tokens.customer, variables: { id: second.id } },
    );
    expect(cancelled.data?.cancelOrder.order).toMatchObject({ status: "CANCELLED", payment: { status: "REFUNDED" } });
    expect(await available(p.id)).toBe(before);
  });

  it("hides orders from other customers (NOT_FOUND, no hint) and shows them to ADMIN", async () => {
    const mine = (await place([{ productId: inStock[6]!.id, quantity: 1 }], "tok_visa", "e2e-key-6")).data?.placeOrder
      .order;
    const stranger = await gql(stack.url, "query($id: ID!) { order(id: $id) { id } }", {
      token: tokens.other,
      variables: { id: mine.id },
    });
    expect(stranger.data?.order ?? null).toBeNull();
    expect(stranger.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const admin = await gql(stack.url, "query($id: ID!) { order(id: $id) { id customer { email } } }", {
      token: tokens.admin,
      variables: { id: mine.id },
    });
    expect(admin.data?.order).toEqual({ id: mine.id, customer: { email: seedCustomer.email } });
    const anonymous = await gql(stack.url, PLACE, {
      variables: {
        input: {
          lines: [{ productId: inStock[6]!.id, quantity: 1 }],
          shippingAddress: address,
          paymentToken: "tok_visa",
        },
        key: "anon",
      },
    });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});
