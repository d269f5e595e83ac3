import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedCustomer, seedOrders } from "@shopgraph/fixtures";
import { otherCustomer, startTestOrders, type TestOrders } from "./harness.ts";
import { ORDER_FIELDS } from "./operations.ts";

let orders: TestOrders;
let admin: string;
let customer: string;
let other: string;
beforeAll(async () => {
  orders = await startTestOrders();
  [admin, customer, other] = [
    await orders.tokens.admin(),
    await orders.tokens.customer(),
    await orders.tokens.customer(otherCustomer.id),
  ];
});
afterAll(() => orders?.close());

const ORDER = `query($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`;
const ORDERS = `query($first: Int, $after: String, $status: OrderStatus) {
  orders(first: $first, after: $after, status: $status) { totalCount edges { cursor node { id number status customer { id } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
}`;
const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Order { id number status total { amount } items { title } }
  ... on User { id orders(first: 50) { totalCount edges { node { id number } } } }
} }`;
const mine = seedOrders.filter((o) => o.customerId === seedCustomer.id);
const theirs = seedOrders.find((o) => o.customerId === otherCustomer.id)!;
const shipped = mine.find((o) => o.status === "SHIPPED")!;

describe("order(id)", () => {
  it("shows the owner their seeded order with every field", async () => {
    const res = await orders.query(ORDER, { id: shipped.id }, customer);
    expect(res.errors).toBeUndefined();
    expect(res.data?.order).toMatchObject({
      id: shipped.id,
      number: `SG-${String(shipped.number).padStart(6, "0")}`,
      status: "SHIPPED",
      trackingNumber: shipped.trackingNumber,
      customer: { id: seedCustomer.id },
      shippingAddress: { ...shipped.shippingAddress, line2: shipped.shippingAddress.line2 ?? null },
      payment: { id: shipped.payment.id, status: "CAPTURED", failureReason: null },
      createdAt: shipped.createdAt.toISOString(),
    });
    expect(res.data?.order.items).toHaveLength(shipped.lines.length);
    expect(res.data?.order.items[0]).toMatchObject({
      product: { id: shipped.lines[0]!.productId },
      title: shipped.lines[0]!.title,
      quantity: shipped.lines[0]!.quantity,
    });
  });

  it("shows any order to an ADMIN, and a declined payment's reason", async () => {
    const failed = seedOrders.find((o) => o.status === "PAYMENT_FAILED")!;
    const res = await orders.query(ORDER, { id: failed.id }, admin);
    expect(res.data?.order).toMatchObject({
      status: "PAYMENT_FAILED",
      payment: { status: "DECLINED", failureReason: "card_declined" },
    });
  });

  it("answers NOT_FOUND for another customer's order, an unknown id and a malformed id alike", async () => {
    for (const [id, token] of [
      [theirs.id, customer],
      [randomUUID(), customer],
      ["nope", customer],
      [randomUUID(), admin],
    ] as const) {
      const res = await orders.query(ORDER, { id }, token);
      expect(res.data?.order).toBeNull();
      expect(res.errors).toEqual([
        expect.objectContaining({ message: "Order not found", extensions: { code: "NOT_FOUND" } }),
      ]);
    }
  });

  it("requires a signed-in user (UNAUTHENTICATED), even with a valid id", async () => {
    const res = await orders.query(ORDER, { id: shipped.id });
    expect(res.data?.order).toBeNull();
    expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("orders(first, after, status)", () => {
  it("lists a customer's own orders newest first; an ADMIN sees every order", async () => {
    const own = await orders.query(ORDERS, { first: 50 }, customer);
    expect(own.data?.orders.totalCount).toBe(mine.length);
    expect(own.data?.orders.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(
      [...mine].reverse().map((o) => o.id),
    );
    const all = await orders.query(ORDERS, { first: 50 }, admin);
    expect(all.data?.orders.totalCount).toBe(seedOrders.length);
  });

  it("filters by status", async () => {
    const paid = await orders.query(ORDERS, { status: "PAID" }, customer);
    expect(paid.data?.orders.edges.map((e: { node: { status: string } }) => e.node.status)).toEqual(
      mine.filter((o) => o.status === "PAID").map(() => "PAID"),
    );
    expect(paid.data?.orders.totalCount).toBe(mine.filter((o) => o.status === "PAID").length);
  });

  it("pages with opaque cursors, without gaps or repeats", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const res = await orders.query(ORDERS, { first: 4, after }, admin);
      const conn = res.data?.orders;
      seen.push(...conn.edges.map((e: { node: { id: string } }) => e.node.id));
      expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(seen).toEqual([...seedOrders].reverse().map((o) => o.id));
  });

  it("rejects first > 100 and forged cursors with BAD_USER_INPUT; anonymous is UNAUTHENTICATED", async () => {
    expect((await orders.query(ORDERS, { first: 101 }, admin)).errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: ["first"],
    });
    expect((await orders.query(ORDERS, { after: "garbage" }, admin)).errors?.[0]?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: ["after"],
    });
    const forged = Buffer.from(JSON.stringify(["2026-01-01T00:00:00.000Z", "'; DROP TABLE x; --"])).toString(
      "base64url",
    );
    expect((await orders.query(ORDERS, { after: forged }, admin)).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await orders.query(ORDERS, {})).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("entities (what the gateway fetches)", () => {
  it("resolves User.orders for the user themself and for an ADMIN", async () => {
    const rep = { r: [{ __typename: "User", id: seedCustomer.id }] };
    for (const token of [customer, admin]) {
      const res = await orders.query(ENTITIES, rep, token);
      expect(res.errors).toBeUndefined();
      expect(res.data?._entities[0].orders.totalCount).toBe(mine.length);
    }
  });

  it("refuses User.orders to anyone else: FORBIDDEN for another customer, UNAUTHENTICATED anonymously", async () => {
    const rep = { r: [{ __typename: "User", id: seedCustomer.id }] };
    const res = await orders.query(ENTITIES, rep, other);
    expect(res.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(JSON.stringify(res.data)).not.toContain(mine[0]!.id);
    expect((await orders.query(ENTITIES, rep)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("protects Order entities field by field: the owner and ADMIN read them, others get FORBIDDEN and nothing", async () => {
    const rep = {
      r: [
        { __typename: "Order", id: shipped.id },
        { __typename: "Order", id: randomUUID() },
      ],
    };
    const owner = await orders.query(ENTITIES, rep, customer);
    expect(owner.errors).toBeUndefined();
    expect(owner.data?._entities).toEqual([expect.objectContaining({ id: shipped.id, status: "SHIPPED" }), null]);
    expect((await orders.query(ENTITIES, rep, admin)).data?._entities[0].id).toBe(shipped.id);
    const intruder = await orders.query(ENTITIES, rep, other);
    expect(intruder.errors?.map((e) => e.extensions?.code)).toContain("FORBIDDEN");
    expect(intruder.data?._entities?.[0] ?? null).toBeNull();
    expect(JSON.stringify(intruder.data)).not.toContain(shipped.lines[0]!.title);
    expect((await orders.query(ENTITIES, rep)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("serves its SDL for composition, with the entity keys and the unresolvable Product reference", async () => {
    const res = await orders.query("{ _service { sdl } }");
    expect(res.data?._service.sdl).toMatch(/type Order\s+@key\(fields: "id"\)/);
    expect(res.data?._service.sdl).toMatch(/type Product\s+@key\(fields: "id", resolvable: false\)/);
    expect(res.data?._service.sdl).toContain(
      "orders(first: Int = 20, after: String, status: OrderStatus): OrderConnection!",
    );
  });
});

describe("seed", () => {
  it("holds the fixtures' orders with lines, payments and matching provider charges", async () => {
    expect(await orders.db.order.count()).toBe(seedOrders.length);
    expect(await orders.db.orderLine.count()).toBe(seedOrders.reduce((n, o) => n + o.lines.length, 0));
    expect(await orders.db.payment.count()).toBe(seedOrders.length);
    expect(await orders.db.providerCharge.count()).toBe(seedOrders.length);
    const [next] = await orders.db.$queryRaw<{ n: bigint }[]>`SELECT last_value AS n FROM "Order_number_seq"`;
    expect(Number(next?.n)).toBe(Math.max(...seedOrders.map((o) => o.number)));
  });
});
