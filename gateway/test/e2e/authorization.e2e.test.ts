import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedCustomer, seedOrders } from "@shopgraph/fixtures";
import { gql, type GqlResponse } from "@shopgraph/testing";
import { countingFetcher } from "./subgraph-calls.ts";
import { startStack, type Stack } from "./stack.ts";
import { signAppWithUsersKey } from "./tokens.ts";

// Authorization declared in the SDLs (@authenticated/@requiresScopes/@policy), enforced by the
// gateway before planning and again by every subgraph. App tokens are RFC 9068 at+jwt from the
// OAuth issuer (OAUTH_ISSUER's default), signed with users' key as its authorization server does.
const APP_ISSUER = "http://localhost:4000";
const fetches = countingFetcher();
let stack: Stack;
let customer: string;
beforeAll(async () => {
  stack = await startStack({ gatewayEnv: { RATE_LIMIT_ENABLED: "false" }, gatewayDeps: { wrapFetcher: fetches.wrap } });
  const login = `mutation($i: LoginInput!) { login(input: $i) { session { accessToken } } }`;
  customer = (
    await gql(stack.url, login, { variables: { i: { email: seedCustomer.email, password: DEMO_PASSWORDS.customer } } })
  ).data?.login.session.accessToken;
});
afterAll(() => stack?.close());

const order = seedOrders.find((o) => o.customerId === seedCustomer.id)!;
/** An app acting for the seeded customer with these scopes (authorization code grant). */
const forCustomer = (scope: string) =>
  signAppWithUsersKey(stack.dataDir, {
    clientId: randomUUID(),
    sub: seedCustomer.id,
    role: "CUSTOMER",
    scope,
    issuer: APP_ISSUER,
    audience: "shopgraph",
  });
/** A machine-to-machine app (client credentials: sub = client_id) with these scopes. */
const machine = (scope: string) =>
  signAppWithUsersKey(stack.dataDir, { clientId: randomUUID(), scope, issuer: APP_ISSUER, audience: "shopgraph" });
const codesAt = (res: GqlResponse) => (res.errors ?? []).map((e) => [e.path?.join("."), e.extensions?.code]);

const CATALOG_AND_ORDER = `query($id: ID!) { products(first: 2) { edges { node { title } } } order(id: $id) { number } }`;

describe("a token with only read_products", () => {
  it("reads the catalog but not orders: partial data, FORBIDDEN at order", async () => {
    const res = await gql(stack.url, CATALOG_AND_ORDER, {
      token: await forCustomer("read_products"),
      variables: { id: order.id },
    });
    expect(res.status).toBe(200);
    expect(res.data?.products.edges).toHaveLength(2);
    expect(res.data?.order).toBeNull();
    expect(codesAt(res)).toEqual([["order", "FORBIDDEN"]]);
    // The same document with read_orders too: the plan of the narrow caller did not replace the full one.
    const full = await gql(stack.url, CATALOG_AND_ORDER, {
      token: await forCustomer("read_products read_orders"),
      variables: { id: order.id },
    });
    expect(full.errors).toBeUndefined();
    expect(full.data?.order.number).toMatch(/^SG-\d{6}$/);
  });

  it("is rejected when nothing is left, without calling any subgraph", async () => {
    const before = fetches.total();
    const res = await gql(stack.url, `{ orders(first: 1) { totalCount } }`, {
      token: await forCustomer("read_products"),
    });
    expect([res.status, res.data ?? null]).toEqual([200, null]);
    expect(codesAt(res)).toEqual([["orders", "FORBIDDEN"]]);
    expect(fetches.total()).toBe(before);
  });
});

describe("a client-credentials app", () => {
  const ORDERS = (fields: string) =>
    `{ orders(first: 3) { totalCount edges { node { number customer { ${fields} } } } } }`;

  it("with read_orders sees every order and its customer's name", async () => {
    const res = await gql(stack.url, ORDERS("id name"), { token: await machine("read_orders") });
    expect(res.errors).toBeUndefined();
    expect(res.data?.orders.totalCount).toBe(seedOrders.length);
    expect(res.data?.orders.edges[0].node.customer.name).toEqual(expect.any(String));
  });

  it("does not see customer emails without read_customers: FORBIDDEN at each email", async () => {
    const res = await gql(stack.url, ORDERS("id email"), { token: await machine("read_orders") });
    // email is non-null all the way up (User!, Order!, OrderConnection!): the first refused email's
    // null reaches data, and stops there, as graphql-js execution would.
    expect(codesAt(res)).toEqual([["orders.edges.0.node.customer.email", "FORBIDDEN"]]);
    expect(res.data ?? null).toBeNull();
    expect(JSON.stringify(res)).not.toContain("@");
    const granted = await gql(stack.url, ORDERS("id email"), { token: await machine("read_orders read_customers") });
    expect(granted.errors).toBeUndefined();
    expect(granted.data?.orders.edges[0].node.customer.email).toContain("@");
  });
});

describe("anonymous and signed-in callers", () => {
  it("answers an anonymous caller's order null with UNAUTHENTICATED, the catalog still served", async () => {
    const res = await gql(stack.url, CATALOG_AND_ORDER, { variables: { id: order.id } });
    expect(res.data?.products.edges).toHaveLength(2);
    expect(res.data?.order).toBeNull();
    expect(codesAt(res)).toEqual([["order", "UNAUTHENTICATED"]]);
  });

  it("gives a first-party session every scope of its role: the customer's own order and email", async () => {
    const res = await gql(stack.url, `query($id: ID!) { order(id: $id) { number customer { email } } me { email } }`, {
      token: customer,
      variables: { id: order.id },
    });
    expect(res.errors).toBeUndefined();
    expect(res.data?.order.customer.email).toBe(seedCustomer.email);
    expect(res.data?.me.email).toBe(seedCustomer.email);
  });

  it("refuses an app what only first-party sessions may do (policy first_party): password changes", async () => {
    const all = "read_products read_orders write_orders read_customers write_customers read_notifications";
    const res = await gql(
      stack.url,
      `mutation { changePassword(input: { currentPassword: "x", newPassword: "y" }) { success } }`,
      { token: await forCustomer(all) },
    );
    expect(codesAt(res)).toEqual([["changePassword", "FORBIDDEN"]]);
  });
});

describe("subgraphs reached directly (valid gateway credential, narrow viewer)", () => {
  const direct = (name: "users" | "orders" | "notifications") => `${stack[name].url}/graphql`;

  it("orders refuses read_products-only tokens its own fields and its entities", async () => {
    const token = await forCustomer("read_products");
    const root = await gql(direct("orders"), `query($id: ID!) { order(id: $id) { number } }`, {
      credential: stack.gatewayToken,
      token,
      variables: { id: order.id },
    });
    expect([root.data?.order ?? null, codesAt(root)]).toEqual([null, [["order", "FORBIDDEN"]]]);
    const entities = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { number } } }`;
    const res = await gql(direct("orders"), entities, {
      credential: stack.gatewayToken,
      token,
      variables: { r: [{ __typename: "Order", id: order.id }] },
    });
    expect(res.data?._entities).toEqual([null]);
    expect(codesAt(res)).toEqual([["_entities.0", "FORBIDDEN"]]);
  });

  it("users refuses a customer's email to an app without read_customers, in entity fetches too", async () => {
    const entities = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { name email } } }`;
    const variables = { r: [{ __typename: "User", id: seedCustomer.id }] };
    const narrow = await gql(direct("users"), entities, {
      credential: stack.gatewayToken,
      token: await machine("read_orders"),
      variables,
    });
    expect(narrow.data?._entities).toEqual([null]);
    expect(codesAt(narrow)).toEqual([["_entities.0.email", "FORBIDDEN"]]);
    const granted = await gql(direct("users"), entities, {
      credential: stack.gatewayToken,
      token: await machine("read_orders read_customers"),
      variables,
    });
    expect(granted.data?._entities).toEqual([{ name: seedCustomer.name, email: seedCustomer.email }]);
  });

  it("a subgraph never runs a subscription (the gateway serves them): 400 BAD_REQUEST, nothing resolved", async () => {
    const res = await gql(direct("orders"), `subscription($id: ID!) { orderUpdated(id: $id) { number } }`, {
      credential: stack.gatewayToken,
      token: customer,
      variables: { id: order.id },
    });
    expect([res.status, res.errors?.[0]?.extensions?.code, res.data ?? null]).toEqual([400, "BAD_REQUEST", null]);
  });

  it("notifications refuses anonymous entity fetches of a user's inbox: UNAUTHENTICATED", async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id unreadNotificationCount } } }`;
    const res = await gql(direct("notifications"), query, {
      credential: stack.gatewayToken,
      variables: { r: [{ __typename: "User", id: seedCustomer.id }] },
    });
    expect(res.data?._entities).toEqual([null]);
    expect(codesAt(res)).toEqual([["_entities.0.unreadNotificationCount", "UNAUTHENTICATED"]]);
  });
});
