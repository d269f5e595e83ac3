import { buildSchema, parse, validate, specifiedRules, getIntrospectionQuery } from "graphql";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_OPERATION_LIMITS,
  fragmentsOf,
  operationLimitsRule,
  DEFAULT_COST_MODEL,
  selectionCost,
  newBudget,
} from "@shopgraph/operation-limits";

const schema = buildSchema(`
  type Query { me: User, products(first: Int = 20, after: String): ProductConnection!, categories: [Category!]! }
  type User { id: ID!, name: String!, friend: User, orders(first: Int = 20): OrderConnection! }
  type OrderConnection { edges: [OrderEdge!]!, totalCount: Int! }
  type OrderEdge { node: Order! }
  type Order { id: ID!, items: [Item!]! }
  type Item { title: String!, product: Product! }
  type ProductConnection { edges: [ProductEdge!]!, totalCount: Int! }
  type ProductEdge { node: Product! }
  type Product { id: ID!, title: String!, category: Category }
  type Category { name: String!, products(first: Int = 20): ProductConnection! }
`);

const errorsOf = (query: string, limits = DEFAULT_OPERATION_LIMITS) =>
  validate(schema, parse(query), [...specifiedRules, operationLimitsRule(limits)]).map((e) => ({
    code: e.extensions.code,
    limit: e.extensions.limit,
    message: e.message,
  }));

const nest = (depth: number) => `{ me { ${"friend { ".repeat(depth - 2)}id${" }".repeat(depth - 2)} } }`;

describe("static operation limits", () => {
  it("accepts a query at the depth limit and rejects one level deeper, naming the limit", () => {
    expect(errorsOf(nest(15))).toEqual([]);
    expect(errorsOf(nest(16))).toEqual([
      { code: "GRAPHQL_VALIDATION_FAILED", limit: "depth", message: "Query depth 16 exceeds the limit of 15" },
    ]);
  });

  it("counts depth through fragments and survives cyclic and unknown fragments", () => {
    const viaFragments = `{ me { ...A } } fragment A on User { friend { ...B } } fragment B on User { friend { friend { id } } }`;
    expect(errorsOf(viaFragments, { ...DEFAULT_OPERATION_LIMITS, maxDepth: 3 })[0]?.limit).toBe("depth");
    const cyclic = `{ me { ...A } } fragment A on User { friend { ...A } }`;
    expect(() => errorsOf(cyclic)).not.toThrow();
    expect(errorsOf(cyclic).some((e) => e.message.includes("Cannot spread fragment"))).toBe(true);
    expect(() => errorsOf(`{ me { ...Missing } }`)).not.toThrow();
  });

  it("lets the standard introspection query through the default depth limit", () => {
    expect(errorsOf(getIntrospectionQuery())).toEqual([]);
  });

  it("rejects alias batching, too many root fields and directive overloading", () => {
    const aliases = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: me { id }`).join(" ")} }`;
    expect(errorsOf(aliases).map((e) => e.limit)).toContain("aliases");
    const roots = `{ ${Array.from({ length: 21 }, () => "me { id }").join(" ")} }`;
    expect(errorsOf(roots).map((e) => e.limit)).toContain("rootFields");
    const directives = `{ me { id ${"@include(if: true) ".repeat(51)} } }`;
    expect(errorsOf(directives).map((e) => e.limit)).toContain("directives");
  });

  it("rejects a fragment bomb quickly instead of expanding it", () => {
    const levels = 40;
    const fragments = Array.from(
      { length: levels },
      (_, i) => `fragment F${i} on User { ${i === levels - 1 ? "id" : `...F${i + 1} ...F${i + 1}`} }`,
    ).join("\n");
    const errors = errorsOf(`{ me { ...F0 } }\n${fragments}`);
    expect(errors.map((e) => e.limit)).toContain("fields");
  });
});

describe("operation cost", () => {
  const cost = (query: string, variables: Record<string, unknown> = {}) => {
    const document = parse(query);
    const operation = document.definitions[0] as never as { selectionSet: Parameters<typeof selectionCost>[1] };
    return selectionCost(
      schema,
      operation.selectionSet,
      schema.getQueryType()!,
      fragmentsOf(document),
      variables,
      DEFAULT_COST_MODEL,
      newBudget(),
    );
  };

  it("multiplies children by first, from a literal, a variable or the schema default", () => {
    const literal = cost("{ products(first: 100) { edges { node { id title } } } }");
    const variable = cost("query($n: Int) { products(first: $n) { edges { node { id title } } } }", { n: 100 });
    const defaulted = cost("{ products { edges { node { id title } } } }");
    expect(literal).toBe(1 + 100 * 4);
    expect(variable).toBe(literal);
    expect(defaulted).toBe(1 + 20 * 4);
  });

  it("makes a page nested in a page expensive", () => {
    const nested = cost(
      "{ products(first: 100) { edges { node { category { products(first: 100) { edges { node { title } } } } } } } }",
    );
    expect(nested).toBeGreaterThan(10_000);
  });

  it("counts plain lists with the assumed size and fragments with their type", () => {
    expect(cost("{ categories { name } }")).toBe(1 + 10);
    expect(cost("{ me { ...U } } fragment U on User { orders(first: 2) { edges { node { items { title } } } } }")).toBe(
      1 + 1 + 2 * (1 + 1 + 1 + 10),
    );
  });
});

describe("page sizes beyond the contract's cap", () => {
  it("are costed at the cap, leaving the BAD_USER_INPUT to the subgraph that owns pagination", () => {
    const document = parse("{ products(first: 1000000) { edges { node { id } } } }");
    const operation = document.definitions[0] as never as { selectionSet: Parameters<typeof selectionCost>[1] };
    const cost = selectionCost(
      schema,
      operation.selectionSet,
      schema.getQueryType()!,
      fragmentsOf(document),
      {},
      DEFAULT_COST_MODEL,
      newBudget(),
    );
    expect(cost).toBe(1 + 100 * 3);
  });
});
