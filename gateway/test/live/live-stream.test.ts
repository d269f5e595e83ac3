import { createEnvelope } from "@shopgraph/events";
import { parse, print, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { planSubscription } from "../../src/live/live-fields.ts";
import { LiveStream, type LiveItem } from "../../src/live/live-stream.ts";

const item = (entityId: string): LiveItem => ({ event: createEnvelope("notification.created", {}), entityId });
const overflow = { errors: [{ message: "too slow", extensions: { code: "SUBSCRIBER_TOO_SLOW" } }] };

function stream(
  bufferSize: number,
  resolve: (i: LiveItem) => Promise<{ data: Record<string, unknown> } | null> = async (i) => ({
    data: { id: i.entityId },
  }),
) {
  const seen = { ended: 0, overflowed: 0, resolved: 0 };
  const s = new LiveStream({
    bufferSize,
    resolve: (i) => {
      seen.resolved++;
      return resolve(i);
    },
    onEnd: () => seen.ended++,
    onOverflow: () => seen.overflowed++,
    overflowError: overflow,
  });
  return { s, seen };
}

describe("LiveStream (one subscriber's bounded buffer)", () => {
  it("drops a consumer that falls more than bufferSize events behind with SUBSCRIBER_TOO_SLOW, and resolves nothing it queued", async () => {
    const { s, seen } = stream(2);
    s.push(item("a"));
    s.push(item("b"));
    s.push(item("c")); // the third while nothing was read: over the buffer
    expect(seen.overflowed).toBe(1);
    expect(await s.next()).toEqual({ value: overflow, done: false });
    expect(await s.next()).toEqual({ value: undefined, done: true });
    expect(seen).toEqual({ ended: 1, overflowed: 1, resolved: 0 });
    s.push(item("d"));
    expect(seen.resolved).toBe(0);
  });

  it("a consumer that keeps up is never dropped: events are resolved one at a time as it reads", async () => {
    const { s, seen } = stream(1);
    for (const id of ["a", "b", "c"]) {
      s.push(item(id));
      expect(await s.next()).toEqual({ value: { data: { id } }, done: false });
    }
    expect(seen).toMatchObject({ overflowed: 0, resolved: 3 });
  });

  it("sends an identical answer once (initial state, then the event that produced it) and skips answers resolved to null", async () => {
    const { s } = stream(10, async (i) => (i.entityId === "hidden" ? null : { data: { status: "PAID" } }));
    s.push(item("x"));
    s.push(item("hidden"));
    s.push(item("x"));
    const first = await s.next();
    expect(first.value).toEqual({ data: { status: "PAID" } });
    const pending = s.next();
    s.end();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it("return() (client gone) ends it once and wakes a waiting reader", async () => {
    const { s, seen } = stream(10);
    const waiting = s.next();
    await s.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(seen.ended).toBe(1);
  });
});

describe("planSubscription (a subscription as the equivalent public query)", () => {
  const plan = (source: string, variables: Record<string, unknown> = {}) => {
    const document = parse(source);
    const operation = document.definitions.find((d) => d.kind === "OperationDefinition") as OperationDefinitionNode;
    return planSubscription(document, operation, variables);
  };

  it("notificationAdded → notification(id: $liveEventId_) under the same response key, fragments and variables kept", () => {
    const p = plan(
      "subscription Live($n: Int) { added: notificationAdded { ...N order { items(first: $n) { title } } } } fragment N on Notification { id title }",
    );
    expect(p?.responseKey).toBe("added");
    expect(print(parse(p!.query))).toBe(
      print(
        parse(
          "query Live($n: Int, $liveEventId_: ID!) { added: notification(id: $liveEventId_) { ...N order { items(first: $n) { title } } } } fragment N on Notification { id title }",
        ),
      ),
    );
    expect(p?.variablesFor("n-1")).toEqual({ liveEventId_: "n-1" });
    expect(p?.initial).toBeNull();
  });

  it("orderUpdated(id) → order(id) with the subscription's own argument, its current state first", () => {
    const p = plan("subscription($id: ID!) { orderUpdated(id: $id) { status } }", { id: "o-1" });
    expect(print(parse(p!.query))).toBe(print(parse("query($id: ID!) { orderUpdated: order(id: $id) { status } }")));
    expect(p?.initial).toBe("o-1");
  });

  it("matches only the subscriber's own notifications, and orders of their own (any order for an ADMIN)", () => {
    const viewer = (id: string, role: "CUSTOMER" | "ADMIN" = "CUSTOMER") => ({
      id,
      role,
      tokenId: "t",
      scopes: new Set<never>(),
    });
    const u1 = "11111111-1111-4111-8111-111111111111";
    const u2 = "22222222-2222-4222-8222-222222222222";
    const n1 = "33333333-3333-4333-8333-333333333333";
    const o1 = "44444444-4444-4444-8444-444444444444";
    const added = plan("subscription { notificationAdded { id } }")!;
    const created = createEnvelope("notification.created", {
      notificationId: n1,
      userId: u1,
      kind: "ORDER_CONFIRMED",
      orderId: null,
    });
    expect(added.match(created, viewer(u1))).toBe(n1);
    expect(added.match(created, viewer(u2))).toBeNull();
    expect(added.match(created, viewer(u2, "ADMIN"))).toBeNull();
    const updated = plan("subscription($id: ID!) { orderUpdated(id: $id) { id } }", { id: o1 })!;
    const shipped = createEnvelope("order.shipped", {
      orderId: o1,
      number: 7,
      customerId: u1,
      status: "SHIPPED",
      total: { amount: "1.00", currencyCode: "GBP" },
    });
    expect(updated.match(shipped, viewer(u1))).toBe(o1);
    expect(updated.match(shipped, viewer(u2))).toBeNull();
    expect(updated.match(shipped, viewer(u2, "ADMIN"))).toBe(o1);
  });
});
