import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedAdmin, seedCustomer, seedProducts } from "@shopgraph/fixtures";
import { gql } from "@shopgraph/testing";
import { E2E_GATEWAY_TOKEN, startStack, type Stack } from "./stack.ts";

// Mid-rotation: the subgraphs accept "next,current"; the stack's gateway still sends the current one.
const NEXT_GATEWAY_TOKEN = "e2e-next-gateway-token-0123456789abcdef01";

const RATE_LIMIT_OFF = { RATE_LIMIT_ENABLED: "false" };

let stack: Stack;
let customer: string;
let admin: string;
beforeAll(async () => {
  stack = await startStack({
    subgraphEnv: { GATEWAY_TOKEN: `${NEXT_GATEWAY_TOKEN},${E2E_GATEWAY_TOKEN}` },
    gatewayEnv: RATE_LIMIT_OFF,
  });
  const LOGIN = "mutation($i: LoginInput!) { login(input: $i) { session { accessToken } } }";
  const login = async (email: string, password: string) =>
    (await gql(stack.url, LOGIN, { variables: { i: { email, password } } })).data?.login.session.accessToken as string;
  [customer, admin] = [
    await login(seedCustomer.email, DEMO_PASSWORDS.customer),
    await login(seedAdmin.email, DEMO_PASSWORDS.admin),
  ];
});
afterAll(() => stack?.close());

// One query answered from all four subgraphs: root fetches and _entities fetches to each.
const EVERYWHERE = `{ me { id notifications { totalCount }
  orders(first: 5) { edges { node { number items { product { title category { name } } } } } } } }`;
// The admin dashboard's shape (bench scenario b): a 100-order page through all four subgraphs, deep plans and big entity fetches.
const DASHBOARD = `{ orders(first: 100) { totalCount edges { node { number customer { name email }
  items { quantity product { title price { amount } category { name } } } } } }
  deliveries(first: 50) { edges { node { status recipient } } } }`;

describe("the gateway sends its credential on every subgraph fetch", () => {
  it("answers a query spanning all four subgraphs with the previous token during a rotation", async () => {
    const res = await gql(stack.url, EVERYWHERE, { token: customer });
    expect(res.errors).toBeUndefined();
    expect(res.data?.me.id).toBe(seedCustomer.id);
    expect(res.data?.me.orders.edges[0].node.items[0].product.category.name).toEqual(expect.any(String));
    expect(res.data?.me.notifications.totalCount).toBeGreaterThan(0);
  });

  it("answers the same with the next token, and the admin dashboard's deep plan passes every subgraph's limits", async () => {
    const next = await stack.startAnotherGateway({ GATEWAY_TOKEN: NEXT_GATEWAY_TOKEN, ...RATE_LIMIT_OFF });
    const res = await gql(next.graphqlUrl, EVERYWHERE, { token: customer });
    expect(res.errors).toBeUndefined();
    expect(res.data?.me.id).toBe(seedCustomer.id);
    const dashboard = await gql(next.graphqlUrl, DASHBOARD, { token: admin });
    expect(dashboard.errors).toBeUndefined();
    expect(dashboard.data?.orders.edges.length).toBeGreaterThan(0);
  });

  it("gets nothing from the subgraphs with a credential they do not accept", async () => {
    const stranger = await stack.startAnotherGateway({
      GATEWAY_TOKEN: "e2e-unknown-gateway-token-0123456789abcd",
      ...RATE_LIMIT_OFF,
    });
    const res = await gql(stranger.graphqlUrl, "{ categories { name } }", { token: customer });
    expect(res.data?.categories ?? null).toBeNull();
    expect(res.errors?.length).toBeGreaterThan(0);
  });

  it("a checkout still works: orders calls products with the service credential", async () => {
    const product = seedProducts.find((p) => !p.archived && p.stock >= 20)!;
    const shippingAddress = { name: "Zed", line1: "1 Road", city: "Town", postalCode: "1000", country: "GB" };
    const input = { lines: [{ productId: product.id, quantity: 1 }], shippingAddress, paymentToken: "tok_visa" };
    const place = `mutation($i: PlaceOrderInput!, $k: String!) {
      placeOrder(input: $i, idempotencyKey: $k) { order { status } userErrors { code } } }`;
    const res = await gql(stack.url, place, { token: customer, variables: { i: input, k: randomUUID() } });
    expect(res.data?.placeOrder).toEqual({ order: { status: "PAID" }, userErrors: [] });
  });
});

describe("subgraphs reached directly", () => {
  const direct = (name: "users" | "products" | "orders" | "notifications") => `${stack[name].url}/graphql`;

  const entities = `{ _entities(representations: [{ __typename: "User", id: "${seedCustomer.id}" }]) { __typename } }`;

  const subgraphs = ["users", "products", "orders", "notifications"] as const;
  it.each(subgraphs)("%s refuses _service and _entities without a credential (401)", async (name) => {
    for (const query of ["{ _service { sdl } }", entities]) {
      const res = await gql(direct(name), query, { credential: null });
      expect([res.status, res.errors?.[0]?.extensions?.code]).toEqual([401, "UNAUTHENTICATED"]);
      expect(res.data).toBeUndefined();
    }
  });

  it("products keeps its stock-reservation mutations for the service credential: the gateway's gets FORBIDDEN", async () => {
    const product = seedProducts.find((p) => !p.archived && p.stock >= 20)!;
    const reserve = `mutation { reserveStock(orderId: "${randomUUID()}", lines: [{ productId: "${product.id}", quantity: 1 }]) { ok } }`;
    const res = await gql(direct("products"), reserve, { credential: E2E_GATEWAY_TOKEN });
    expect([res.status, res.errors?.[0]?.extensions?.code, res.data?.reserveStock ?? null]).toEqual([
      200,
      "FORBIDDEN",
      null,
    ]);
  });
});
