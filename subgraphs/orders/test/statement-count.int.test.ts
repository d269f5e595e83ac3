import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedCustomer, seedUsers } from "@shopgraph/fixtures";
import { buyableProducts, startTestOrders, type TestOrders } from "./harness.ts";

/** The outbox relay polls in the background on the same client: not part of any request. */
const isRequestWork = (sql: string) => !sql.includes('"OutboxEvent"');

const statements: string[] = [];
let orders: TestOrders;
let admin: string;
const ORDER_COUNT = 30;
const LINES_PER_ORDER = 100;

beforeAll(async () => {
  orders = await startTestOrders({
    seed: false,
    deps: { onQuery: (sql) => isRequestWork(sql) && statements.push(sql) },
  });
  admin = await orders.tokens.admin();
  // 30 orders of 100 lines each, with a payment, written directly: the point is the read path.
  for (let n = 0; n < ORDER_COUNT; n++) {
    const id = randomUUID();
    await orders.db.order.create({
      data: {
        id,
        customerId: seedUsers[n % seedUsers.length]!.id,
        status: "PAID",
        currencyCode: "USD",
        subtotalMinor: 100n * BigInt(LINES_PER_ORDER),
        totalMinor: 100n * BigInt(LINES_PER_ORDER),
        shipName: "N",
        shipLine1: "L",
        shipCity: "C",
        shipPostalCode: "P",
        shipCountry: "US",
        lines: {
          createMany: {
            data: buyableProducts.slice(0, LINES_PER_ORDER).map((p, i) => ({
              position: i + 1,
              productId: p.id,
              title: p.title,
              quantity: 1,
              unitPriceMinor: 100n,
              lineTotalMinor: 100n,
            })),
          },
        },
        payments: { create: { status: "CAPTURED", amountMinor: 100n * BigInt(LINES_PER_ORDER), currencyCode: "USD" } },
      },
    });
  }
});
afterAll(() => orders?.close());

/** Runs an operation and returns its result with the SQL statements it cost. */
async function counted(query: string, variables: Record<string, unknown>, token: string) {
  statements.length = 0;
  const res = await orders.query(query, variables, token);
  expect(res.errors).toBeUndefined();
  return { res, statements: [...statements] };
}

const LIST = `query($first: Int) { orders(first: $first) { edges { node {
  id number customer { id } total { amount } payment { status amount { amount } }
  items { product { id } title quantity unitPrice { amount } lineTotal { amount } }
} } } }`;
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id items { title } payment { status } } } }`;

describe("N+1 guard: SQL statements per request do not grow with orders or lines", () => {
  it("lists 1 or 30 orders of 100 lines with the same 3 statements (orders, lines, payments)", async () => {
    const one = await counted(LIST, { first: 1 }, admin);
    const thirty = await counted(LIST, { first: ORDER_COUNT }, admin);
    expect(thirty.res.data?.orders.edges).toHaveLength(ORDER_COUNT);
    expect(thirty.res.data?.orders.edges[0].node.items).toHaveLength(LINES_PER_ORDER);
    expect(thirty.statements).toHaveLength(one.statements.length);
    expect(thirty.statements).toHaveLength(3);
  });

  it("resolves 30 Order entities in one _entities call with 3 statements", async () => {
    const ids = (await orders.db.order.findMany({ select: { id: true } })).map((o) => o.id);
    const { res, statements: sql } = await counted(
      ENTITIES,
      { r: ids.map((id) => ({ __typename: "Order", id })) },
      admin,
    );
    expect(res.data?._entities).toHaveLength(ORDER_COUNT);
    expect(sql).toHaveLength(3);
  });

  it("pages a user's orders (User.orders) with a constant number of statements too", async () => {
    const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders(first: 50) { totalCount edges { node { id items { title } } } } } } }`;
    const { statements: sql } = await counted(q, { r: [{ __typename: "User", id: seedCustomer.id }] }, admin);
    // page + count + lines
    expect(sql).toHaveLength(3);
  });

  it("pages the orders of 1 or every user of an entity fan-out with the same statements, each user's own", async () => {
    const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id orders(first: 2, status: PAID) { totalCount edges { node { id customer { id } } } pageInfo { hasNextPage } } } } }`;
    const users = seedUsers.map((u) => u.id);
    const one = await counted(q, { r: [{ __typename: "User", id: users[0] }] }, admin);
    const all = await counted(q, { r: users.map((id) => ({ __typename: "User", id })) }, admin);
    // page + count, whatever the number of users
    expect(all.statements).toHaveLength(one.statements.length);
    expect(all.statements).toHaveLength(2);
    type Page = {
      id: string;
      orders: {
        totalCount: number;
        edges: { node: { id: string; customer: { id: string } } }[];
        pageInfo: { hasNextPage: boolean };
      };
    };
    const pages = all.res.data?._entities as Page[];
    for (const [i, page] of pages.entries()) {
      const own = await orders.db.order.findMany({
        where: { customerId: users[i], status: "PAID" },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      });
      expect(page.orders.totalCount).toBe(own.length);
      expect(page.orders.edges.map((e) => e.node.id)).toEqual(own.slice(0, 2).map((o) => o.id));
      expect(page.orders.pageInfo.hasNextPage).toBe(own.length > 2);
      for (const edge of page.orders.edges) expect(edge.node.customer.id).toBe(users[i]);
    }
    // The next page of one user continues after the cursor, newest first.
    const ownAll = await orders.db.order.findMany({
      where: { customerId: users[1] },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    });
    const withCursor = `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on User { orders(first: 2, after: $after) { edges { cursor node { id } } } } } }`;
    const page1 = (await counted(withCursor, { r: [{ __typename: "User", id: users[1] }] }, admin)).res.data
      ?._entities as { orders: { edges: { cursor: string; node: { id: string } }[] } }[];
    const page2 = (
      await counted(
        withCursor,
        { r: [{ __typename: "User", id: users[1] }], after: page1[0]!.orders.edges[1]!.cursor },
        admin,
      )
    ).res.data?._entities as typeof page1;
    expect(page2[0]!.orders.edges.map((e) => e.node.id)).toEqual(ownAll.slice(2, 4).map((o) => o.id));
  });
});
