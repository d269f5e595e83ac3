import { randomUUID } from "node:crypto";
import { buildSchema, parse, print } from "graphql";
import { describe, expect, it } from "vitest";
import {
  applyRemovals,
  authorizeOperation,
  collectAccessRequirements,
  rejectedResult,
  rejectionErrors,
  scopesForRole,
  type AccessSubject,
  type Viewer,
} from "../src/index.ts";

const schema = buildSchema(/* GraphQL */ `
  directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  directive @policy(policies: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
  type Query {
    products: [Product!]!
    orders: [Order!]! @requiresScopes(scopes: [["read_orders"]])
    me: User @authenticated
    users: [User!]! @policy(policies: [["admin"]])
    entities: [Entity]!
  }
  union Entity = Order | Product
  type Product { id: ID! title: String! }
  type Order @requiresScopes(scopes: [["read_orders"]]) { id: ID! customer: User! note: String }
  type User { id: ID! name: String email: String! @requiresScopes(scopes: [["read_customers"]]) }
`);
const requirements = collectAccessRequirements(schema);

const viewer = (scopes: string[], role: Viewer["role"] = "CUSTOMER", clientId?: string): AccessSubject => ({
  viewer: { id: randomUUID(), role, tokenId: randomUUID(), scopes: new Set(scopes), ...(clientId ? { clientId } : {}) },
  isService: false,
});
const anonymous: AccessSubject = { viewer: null, isService: false };
const run = (query: string, subject: AccessSubject) =>
  authorizeOperation({ schema, requirements, document: parse(query), subject });

describe("authorizeOperation", () => {
  it("returns the very same document when everything is allowed (plan caches keep hitting)", () => {
    const document = parse("{ products { id } orders { id customer { email } } }");
    const result = authorizeOperation({
      schema,
      requirements,
      document,
      subject: viewer([...scopesForRole("CUSTOMER")]),
    });
    expect(result.document).toBe(document);
    expect(result.removals).toEqual([]);
  });

  it("removes orders for a read_products-only token and answers them null with FORBIDDEN at their path", () => {
    const result = run("{ products { id } orders { id } }", viewer(["read_products"]));
    expect(print(result.document)).not.toContain("orders");
    expect(result.rejected).toBe(false);
    expect(result.removals).toEqual([expect.objectContaining({ code: "FORBIDDEN", path: ["orders"] })]);
    const completed = applyRemovals({ products: [{ id: "p1" }] }, result.tree);
    // orders is non-null: the null propagates to data, as GraphQL execution would.
    expect(completed.data).toBeNull();
    expect(completed.errors).toEqual([
      { message: expect.stringContaining("read_orders"), path: ["orders"], extensions: { code: "FORBIDDEN" } },
    ]);
  });

  it("nulls a refused non-null field inside list items and propagates to the nearest nullable parent", () => {
    const result = run("{ orders { id note customer { name email } } }", viewer(["read_orders"]));
    expect(print(result.document)).not.toContain("email");
    const data = {
      orders: [
        { id: "o1", note: null, customer: { name: "A" } },
        { id: "o2", note: "x", customer: { name: "B" } },
      ],
    };
    const completed = applyRemovals(data, result.tree);
    // email! → customer! → Order (non-null in [Order!]!) → orders! → data null.
    expect(completed.data).toBeNull();
    expect(completed.errors.map((e) => e.path)).toEqual([["orders", 0, "customer", "email"]]);
  });

  it("keeps partial data when the refused field's parent is nullable", () => {
    const result = run("{ me { id email } products { id } }", viewer(["read_products"]));
    const completed = applyRemovals({ me: { id: "u1" }, products: [] }, result.tree);
    expect(completed.data).toEqual({ me: null, products: [] });
    expect(completed.errors).toEqual([
      expect.objectContaining({ path: ["me", "email"], extensions: { code: "FORBIDDEN" } }),
    ]);
  });

  it("answers UNAUTHENTICATED for anonymous callers and rejects an operation with nothing left", () => {
    const result = run("{ me { id } orders { id } }", anonymous);
    expect(result.rejected).toBe(true);
    expect(rejectionErrors(result.removals)).toEqual([
      { message: expect.any(String), path: ["me"], extensions: { code: "UNAUTHENTICATED" } },
      { message: expect.any(String), path: ["orders"], extensions: { code: "UNAUTHENTICATED" } },
    ]);
  });

  it("applies @policy(admin): FORBIDDEN for a customer, allowed for an ADMIN", () => {
    expect(run("{ users { id } products { id } }", viewer(["read_customers"])).removals).toEqual([
      expect.objectContaining({ code: "FORBIDDEN", path: ["users"] }),
    ]);
    expect(run("{ users { id } }", viewer([], "ADMIN")).removals).toEqual([]);
  });

  it("checks fields inside named fragments and inlines the spreads", () => {
    const result = run(
      "query Q { ...F products { id } } fragment F on Query { orders { id } }",
      viewer(["read_products"]),
    );
    const printed = print(result.document);
    expect(printed).not.toContain("fragment");
    expect(printed).not.toContain("orders");
    expect(result.removals.map((r) => r.path)).toEqual([["orders"]]);
  });

  it("refuses a fragment on a type whose type-level directive fails (entity fetches) and nulls those items", () => {
    const result = run("{ entities { ... on Order { id } ... on Product { id title } } }", viewer(["read_products"]));
    expect(print(result.document)).not.toContain("Order");
    const completed = applyRemovals({ entities: [{}, { id: "p", title: "T" }] }, result.tree);
    expect(completed.data).toEqual({ entities: [null, { id: "p", title: "T" }] });
    expect(completed.errors).toEqual([
      expect.objectContaining({ path: ["entities", 0], extensions: { code: "FORBIDDEN" } }),
    ]);
  });

  it("keeps an entity field whose every type fragment was refused (`{ __typename }`): each item null with its error", () => {
    const result = run("{ entities { ... on Order { id } } products { id } }", viewer(["read_products"]));
    expect(result.rejected).toBe(false);
    expect(print(result.document)).toContain("entities {\n    __typename\n  }");
    const completed = applyRemovals({ entities: [{ __typename: "Order" }, null], products: [] }, result.tree);
    expect(completed.data).toEqual({ entities: [null, null], products: [] });
    expect(completed.errors).toEqual([
      expect.objectContaining({ path: ["entities", 0], extensions: { code: "FORBIDDEN" } }),
    ]);
  });

  it("answers a rejected operation without executing: each refused root field null with its error", () => {
    const result = run("{ me { id } orders { id } }", anonymous);
    expect(result.rejected).toBe(true);
    expect(rejectedResult(result.tree)).toEqual({
      data: null,
      errors: [
        expect.objectContaining({ path: ["me"], extensions: { code: "UNAUTHENTICATED" } }),
        expect.objectContaining({ path: ["orders"], extensions: { code: "UNAUTHENTICATED" } }),
      ],
    });
    expect(rejectedResult(run("{ me { id } }", anonymous).tree).data).toEqual({ me: null });
  });

  it("drops a field whose every child was refused and reports the children", () => {
    const result = run("{ me { email } products { id } }", viewer(["read_products"]));
    expect(print(result.document)).not.toContain("me");
    const completed = applyRemovals({ products: [] }, result.tree);
    expect(completed.data).toEqual({ me: null, products: [] });
    expect(completed.errors.map((e) => e.path)).toEqual([["me", "email"]]);
  });
});
