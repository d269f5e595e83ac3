import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedAdmin, seedCustomer, seedNotifications, seedOrders } from "@shopgraph/fixtures";
import { gql, unsignedToken } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";
import { signWithUsersKey } from "./tokens.ts";

let stack: Stack;
let customerToken: string;
let adminToken: string;

const LOGIN =
  "mutation($i: LoginInput!) { login(input: $i) { session { accessToken refreshToken user { id } } userErrors { code } } }";
async function login(email: string, password: string): Promise<string> {
  const res = await gql(stack.url, LOGIN, { variables: { i: { email, password } } });
  return res.data?.login.session.accessToken;
}

beforeAll(async () => {
  stack = await startStack();
  [customerToken, adminToken] = await Promise.all([
    login(seedCustomer.email, DEMO_PASSWORDS.customer),
    login(seedAdmin.email, DEMO_PASSWORDS.admin),
  ]);
});
afterAll(() => stack?.close());

describe("one endpoint over four databases", () => {
  it("joins users, orders, products and notifications data in one query", async () => {
    const res = await gql(
      stack.url,
      `{ me { name orders(first: 50) { totalCount edges { node { number total { amount currencyCode } items { title quantity product { title category { name } } } } } }
              notifications { totalCount } unreadNotificationCount } }`,
      { token: customerToken },
    );
    expect(res.errors).toBeUndefined();
    const me = res.data?.me;
    expect(me.name).toBe(seedCustomer.name);
    const mine = seedOrders.filter((o) => o.customerId === seedCustomer.id);
    expect(me.orders.totalCount).toBe(mine.length);
    const first = me.orders.edges[0].node;
    expect(first.number).toMatch(/^SG-\d{6}$/);
    expect(first.items[0].product.title).toEqual(expect.any(String));
    expect(first.items[0].product.category.name).toEqual(expect.any(String));
    const totals = me.orders.edges.map((e: { node: { total: { amount: string } } }) => e.node.total.amount).sort();
    const expected = mine.map((o) => `${o.totalMinor / 100n}.${String(o.totalMinor % 100n).padStart(2, "0")}`).sort();
    expect(totals).toEqual(expected);
    expect(me.notifications.totalCount).toBe(seedNotifications.filter((n) => n.userId === seedCustomer.id).length);
    expect(me.unreadNotificationCount).toBe(
      seedNotifications.filter((n) => n.userId === seedCustomer.id && !n.readAt).length,
    );
  });

  it("serves the catalog to anonymous visitors with Relay pagination", async () => {
    const page1 = await gql(
      stack.url,
      "{ products(first: 5) { totalCount edges { cursor node { id title price { amount currencyCode } } } pageInfo { hasNextPage endCursor } } categories { slug } }",
    );
    expect(page1.errors).toBeUndefined();
    expect(page1.data?.products.edges).toHaveLength(5);
    expect(page1.data?.products.totalCount).toBeGreaterThanOrEqual(50);
    expect(page1.data?.categories.length).toBeGreaterThanOrEqual(5);
    const page2 = await gql(
      stack.url,
      "query($a: String) { products(first: 5, after: $a) { edges { node { id } } } }",
      { variables: { a: page1.data?.products.pageInfo.endCursor } },
    );
    const ids1 = page1.data?.products.edges.map((e: { node: { id: string } }) => e.node.id);
    const ids2 = page2.data?.products.edges.map((e: { node: { id: string } }) => e.node.id);
    expect(ids2).toHaveLength(5);
    expect(ids1.filter((id: string) => ids2.includes(id))).toEqual([]);
  });

  it("lets an ADMIN list users and refuses customers and anonymous callers", async () => {
    const admin = await gql(stack.url, "{ users(first: 3) { totalCount edges { node { email role } } } }", {
      token: adminToken,
    });
    expect(admin.data?.users.edges).toHaveLength(3);
    const customer = await gql(stack.url, "{ users(first: 3) { totalCount } }", { token: customerToken });
    expect(customer.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const anonymous = await gql(stack.url, "{ users(first: 3) { totalCount } }");
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("registers through the gateway and the new token works across subgraphs", async () => {
    const res = await gql(
      stack.url,
      'mutation { register(input: { email: "e2e-new@example.com", password: "a long enough password", name: "E2E" }) { session { accessToken } userErrors { code } } }',
    );
    const token = res.data?.register.session.accessToken;
    const me = await gql(
      stack.url,
      "{ me { email orders { totalCount } notificationPreferences { email sms inApp } } }",
      { token },
    );
    expect(me.errors).toBeUndefined();
    expect(me.data?.me).toEqual({
      email: "e2e-new@example.com",
      orders: { totalCount: 0 },
      notificationPreferences: { email: true, sms: false, inApp: true },
    });
  });
});

describe("authentication at the gateway", () => {
  it("refuses alg:none, expired, foreign-audience and garbage tokens with 401 UNAUTHENTICATED", async () => {
    const { dataDir } = stack;
    const iss = "https://shopgraph.dev/users";
    const tokens = {
      none: unsignedToken({
        sub: seedAdmin.id,
        role: "ADMIN",
        iss,
        aud: "shopgraph",
        exp: 9999999999,
        iat: 1,
        jti: "x",
      }),
      expired: await signWithUsersKey(dataDir, {
        sub: seedAdmin.id,
        role: "ADMIN",
        iss,
        aud: "shopgraph",
        expiresInSeconds: -60,
      }),
      wrongAudience: await signWithUsersKey(dataDir, {
        sub: seedAdmin.id,
        role: "ADMIN",
        iss,
        aud: "someone-else",
        expiresInSeconds: 600,
      }),
      garbage: "a.b.c",
    };
    for (const [name, token] of Object.entries(tokens)) {
      const res = await gql(stack.url, "{ me { id } }", { token });
      expect({ name, status: res.status, code: res.errors?.[0]?.extensions?.code }).toEqual({
        name,
        status: 401,
        code: "UNAUTHENTICATED",
      });
    }
  });

  it("grants nothing to forged identity headers", async () => {
    const res = await gql(stack.url, "{ me { id } users(first: 1) { totalCount } }", {
      headers: {
        "x-user-id": seedAdmin.id,
        "x-user-role": "ADMIN",
        "x-service-token": "e2e-service-token-0123456789abcdef0123",
      },
    });
    expect(res.data?.me ?? null).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("hides service-only operations from clients", async () => {
    const res = await gql(stack.url, 'mutation { reserveStock(orderId: "x", lines: []) { ok } }', {
      token: adminToken,
    });
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe("bad requests get coded errors", () => {
  it("caps first at 100 and refuses negative values", async () => {
    for (const first of [1_000_000, 101, -1]) {
      const res = await gql(stack.url, "query($f: Int) { products(first: $f) { totalCount } }", {
        variables: { f: first },
      });
      expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
  });

  it("answers malformed JSON, oversized bodies, wrong variable types and subscriptions with 4xx JSON", async () => {
    const post = (body: string) =>
      fetch(stack.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const malformed = await post("{ not json");
    expect(malformed.status).toBe(400);
    expect(
      ((await malformed.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code,
    ).toBe("BAD_REQUEST");
    const huge = await post(JSON.stringify({ query: `{ me { id } } # ${"x".repeat(400_000)}` }));
    expect(huge.status).toBe(413);
    expect(huge.headers.get("content-type")).toContain("application/json");
    const wrongType = await gql(stack.url, "query($f: Int) { products(first: $f) { totalCount } }", {
      variables: { f: "ten" },
    });
    expect(wrongType.status).toBe(400);
    const subscription = await gql(stack.url, "subscription { me { id } }");
    expect(subscription.status).toBe(400);
  });

  it("masks internal details: no stack traces, no service names", async () => {
    const res = await gql(stack.url, '{ product(id: "not-a-uuid") { id } productz }');
    expect(res.status).toBe(400);
    const text = JSON.stringify(res.errors);
    expect(text).not.toMatch(/stacktrace|serviceName|at .*\.ts:/);
  });
});
