import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";
import { countingFetcher } from "./subgraph-calls.ts";

const calls = countingFetcher();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gatewayDeps: { wrapFetcher: calls.wrap }, gatewayEnv: { RATE_LIMIT_ENABLED: "false" } });
});
afterAll(() => stack?.close());

/** Sends an operation and returns the response plus how many subgraph fetches it caused. */
async function probe(query: string, variables?: Record<string, unknown>) {
  const before = calls.total();
  const res = await gql(stack.url, query, variables ? { variables } : {});
  return { res, fetched: calls.total() - before };
}

const deep = (levels: number) =>
  `{ products(first: 1) { edges { node { category { ${"products(first: 1) { edges { node { category { ".repeat(levels)}name${" } } } }".repeat(levels)} } } } } }`;

describe("operation limits at the gateway", () => {
  it.each([
    ["depth", deep(4), undefined],
    ["aliases", `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: categories { slug }`).join(" ")} }`, undefined],
    ["rootFields", `{ ${Array.from({ length: 21 }, () => "categories { slug }").join(" ")} }`, undefined],
    ["directives", `{ categories { slug ${"@skip(if: false) ".repeat(51)} } }`, undefined],
    [
      "cost",
      "query($n: Int) { products(first: $n) { edges { node { category { products(first: $n) { edges { node { title } } } } } } } }",
      { n: 100 },
    ],
  ])(
    "rejects an operation over the %s limit with 400, a message naming it, and no subgraph call",
    async (limit, query, variables) => {
      const { res, fetched } = await probe(query, variables);
      expect(res.status).toBe(400);
      expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(res.errors?.some((e) => e.extensions?.limit === limit)).toBe(true);
      expect(fetched).toBe(0);
    },
  );

  it("rejects too many tokens at parse time", async () => {
    const { res, fetched } = await probe(`{ categories { ${"slug ".repeat(4000)} } }`);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(res.errors?.[0]?.message).toMatch(/tokens/);
    expect(fetched).toBe(0);
  });

  it("applies the depth limit to introspection too", async () => {
    const nested = `{ __schema { types { fields { type { ${"ofType { ".repeat(14)}name${" }".repeat(14)} } } } } }`;
    const { res } = await probe(nested);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.limit).toBe("depth");
  });

  it("lets the contract's real queries through", async () => {
    const { res, fetched } = await probe(
      "query($n: Int) { products(first: $n) { edges { node { title category { name } } } } }",
      { n: 100 },
    );
    expect(res.errors).toBeUndefined();
    expect(fetched).toBeGreaterThan(0);
  });
});
