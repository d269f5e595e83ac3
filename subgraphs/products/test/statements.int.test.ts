import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedCategories, seedProducts } from "@shopgraph/fixtures";
import type { QueryEvent } from "../src/db/client.ts";
import { provisionProductsWorld, startTestProducts, type ProductsWorld, type TestProducts } from "./harness.ts";

/** The outbox relay polls in the background on the same client: not part of any request. */
const isRequestWork = (sql: string) => !sql.includes('"OutboxEvent"');

let world: ProductsWorld;
/** The instance measured last: closed before the next one starts, as the embedded fallback serves one connection at a time. */
let current: TestProducts | undefined;
beforeAll(async () => {
  world = await provisionProductsWorld();
});
afterAll(async () => {
  await current?.close();
  await world?.close();
});

/** An instance with its own (cold) cache namespace that records every SQL statement it sends. */
async function countingInstance(name: string) {
  await current?.close();
  current = undefined;
  const statements: QueryEvent[] = [];
  const instance = await startTestProducts(
    world,
    { REDIS_KEY_PREFIX: `${world.redis.prefix}${name}:` },
    { onQuery: (e) => isRequestWork(e.query) && statements.push(e) },
  );
  current = instance;
  return {
    instance,
    /** Runs one operation and returns the statements it cost. */
    async measure(query: string, variables: Record<string, unknown> = {}) {
      statements.length = 0;
      const res = await instance.query(query, { variables });
      expect(res.errors).toBeUndefined();
      return statements.map((s) => s.query);
    },
  };
}

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id title price { amount } quantityAvailable inStock category { id name } } } }`;
// Spread over every category, so the category loader really batches distinct ids.
const representations = (n: number) => seedProducts.slice(0, n).map((p) => ({ __typename: "Product", id: p.id }));

describe("statement counts are independent of the number of entities", () => {
  it("resolving 1, 10 or 100 product references (with category and availability) costs the same statements, cold and warm", async () => {
    const cold: Record<number, number> = {};
    const warm: Record<number, number> = {};
    for (const n of [1, 10, 100]) {
      const { measure } = await countingInstance(`entities-${n}`);
      cold[n] = (await measure(ENTITIES, { r: representations(n) })).length;
      warm[n] = (await measure(ENTITIES, { r: representations(n) })).length;
    }
    // Cold: products, availability, categories. Warm: only availability (never cached).
    expect(cold).toEqual({ 1: 3, 10: 3, 100: 3 });
    expect(warm).toEqual({ 1: 1, 10: 1, 100: 1 });
  });

  it("listing 1, 10 or 100 products with their category and stock costs the same statements", async () => {
    const counts: Record<number, number> = {};
    for (const n of [1, 10, 100]) {
      const { measure } = await countingInstance(`listing-${n}`);
      counts[n] = (
        await measure(
          `query($n: Int) { products(first: $n) { edges { node { id quantityAvailable category { name } } } } }`,
          { n },
        )
      ).length;
    }
    expect(counts).toEqual({ 1: 3, 10: 3, 100: 3 });
  });

  it("counts the matches only when totalCount is selected, however it is selected", async () => {
    const { measure } = await countingInstance("total-count");
    const counts = (sql: string[]) => sql.filter((q) => /count\(\*\)/i.test(q)).length;
    expect(counts(await measure(`{ products(first: 3, query: "wool") { edges { node { id } } } }`))).toBe(0);
    expect(counts(await measure(`{ products(first: 3, query: "wool") { totalCount edges { node { id } } } }`))).toBe(1);
    expect(
      counts(
        await measure(
          `{ products(first: 3, query: "wool") { ...Total } } fragment Total on ProductConnection { totalCount }`,
        ),
      ),
    ).toBe(1);
    expect(
      counts(await measure(`{ products(first: 3, query: "wool") { ... on ProductConnection { n: totalCount } } }`)),
    ).toBe(1);
  });

  it("one category's products costs what every category's products cost", async () => {
    const { measure } = await countingInstance("categories");
    const page = "products(first: 5) { totalCount edges { node { id quantityAvailable category { name } } } }";
    const one = await measure(`query($s: String!) { category(slug: $s) { ${page} } }`, { s: seedCategories[0]!.slug });
    const { measure: measureOther } = await countingInstance("categories-all");
    const all = await measureOther(`{ categories { ${page} } }`);
    expect(all.length).toBe(one.length);
    expect(all.length).toBeLessThanOrEqual(5);
  });
});
