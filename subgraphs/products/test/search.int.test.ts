import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedCategories, seedProducts } from "@shopgraph/fixtures";
import { insertCategory, insertProducts } from "./factories.ts";
import { provisionProductsWorld, startTestProducts, type ProductsWorld, type TestProducts } from "./harness.ts";

let world: ProductsWorld;
let products: TestProducts;
beforeAll(async () => {
  world = await provisionProductsWorld();
  products = await startTestProducts(world);
});
afterAll(async () => {
  await products?.close();
  await world?.close();
});

type Edge = {
  node: { id: string; title: string; price: { amount: string }; inStock: boolean; quantityAvailable: number };
};
const search = (variables: Record<string, unknown>) =>
  products.query(
    `query($first: Int, $query: String, $filter: ProductFilter, $sortKey: ProductSortKey, $reverse: Boolean) {
    products(first: $first, query: $query, filter: $filter, sortKey: $sortKey, reverse: $reverse) {
      totalCount edges { node { id title price { amount } inStock quantityAvailable } } } }`,
    { variables },
  );
const ids = (res: Awaited<ReturnType<typeof search>>) => (res.data?.products.edges as Edge[]).map((e) => e.node.id);

describe("full-text search", () => {
  it("matches title and description words, with stemming, and counts every match", async () => {
    const wool = seedProducts.filter((p) => !p.archived && /\bwool\b/i.test(`${p.title} ${p.description}`));
    const res = await search({ query: "wool", first: 100 });
    expect(res.errors).toBeUndefined();
    expect(res.data?.products.totalCount).toBe(wool.length);
    const [first] = await insertProducts(products.db, [
      { title: "Trail Runner zqstem", description: "Built for running long distances." },
    ]);
    expect(ids(await search({ query: "zqstem runs" }))).toEqual([first!.id]);
  });

  it("matches word prefixes for type-ahead", async () => {
    const [lamp] = await insertProducts(products.db, [
      { title: "Zqtypeahead Brass Lantern", description: "Warm light." },
    ]);
    for (const query of ["zqtype", "zqtypeahead bra", "ZQTYPEAHEAD LANT", "  zqtypeahead   lantern  "]) {
      expect({ query, ids: ids(await search({ query })) }).toEqual({ query, ids: [lamp!.id] });
    }
    expect(ids(await search({ query: "zqtypeahead copper" }))).toEqual([]);
  });

  it("ranks title matches above description matches for RELEVANCE, and reverse flips it", async () => {
    const [inDescription, inTitle, inBoth] = await insertProducts(products.db, [
      { title: "Plain Mug", description: "A mug for zqrank fans." },
      { title: "Zqrank Mug", description: "A plain mug." },
      { title: "Zqrank Cup", description: "The zqrank cup, zqrank through and through." },
    ]);
    expect(ids(await search({ query: "zqrank", sortKey: "RELEVANCE" }))).toEqual([
      inBoth!.id,
      inTitle!.id,
      inDescription!.id,
    ]);
    expect(ids(await search({ query: "zqrank", sortKey: "RELEVANCE", reverse: true }))).toEqual([
      inDescription!.id,
      inTitle!.id,
      inBoth!.id,
    ]);
  });

  it("treats operator characters as plain text, and text without words matches nothing", async () => {
    for (const query of ["wool & !cotton", "wool:* | (", '\'); DROP TABLE "Product"; --', "<->"]) {
      expect({ query, errors: (await search({ query })).errors }).toEqual({ query, errors: undefined });
    }
    expect((await search({ query: "!!! ???" })).data?.products.totalCount).toBe(0);
    // A blank query is no search at all: the whole catalog.
    expect((await search({ query: "   " })).data?.products.totalCount).toBe(
      (await search({})).data?.products.totalCount,
    );
  });

  it("rejects RELEVANCE without a query and over-long queries with BAD_USER_INPUT", async () => {
    for (const variables of [
      { sortKey: "RELEVANCE" },
      { sortKey: "RELEVANCE", query: "  " },
      { query: "x".repeat(201) },
    ]) {
      const res = await search(variables);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
      expect(res.data ?? null).toBeNull();
    }
  });
});

describe("filters", () => {
  it("filters by category slug (an unknown slug matches nothing)", async () => {
    const category = seedCategories[2]!;
    const expected = seedProducts.filter((p) => !p.archived && p.categoryId === category.id);
    const res = await search({ first: 100, filter: { categorySlug: category.slug } });
    expect(res.data?.products.totalCount).toBe(expected.length);
    expect(new Set(ids(res))).toEqual(new Set(expected.map((p) => p.id)));
    expect((await search({ filter: { categorySlug: "no-such-category" } })).data?.products.totalCount).toBe(0);
  });

  it("filters by an inclusive price range given as decimal strings", async () => {
    const inRange = seedProducts.filter((p) => !p.archived && p.priceMinor >= 2000n && p.priceMinor <= 2999n);
    const res = await search({ first: 100, filter: { minPrice: "20", maxPrice: "29.99" }, sortKey: "PRICE" });
    expect(res.data?.products.totalCount).toBe(inRange.length);
    const amounts = (res.data?.products.edges as Edge[]).map((e) => Number(e.node.price.amount));
    expect(amounts.every((a) => a >= 20 && a <= 29.99)).toBe(true);
    expect(amounts).toEqual([...amounts].sort((a, b) => a - b));
    expect((await search({ filter: { minPrice: "0.5" } })).errors).toBeUndefined();
  });

  it.each([
    ["minPrice", "abc"],
    ["minPrice", "-1"],
    ["maxPrice", "19.999"],
    ["maxPrice", "1e3"],
    ["minPrice", "12,50"],
    ["maxPrice", "99999999999"],
  ])("rejects malformed %s %j with BAD_USER_INPUT naming the field", async (field, value) => {
    const res = await search({ filter: { [field]: value } });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: ["filter", field] });
  });

  it("rejects minPrice above maxPrice", async () => {
    expect((await search({ filter: { minPrice: "10", maxPrice: "5" } })).errors?.[0]?.extensions?.code).toBe(
      "BAD_USER_INPUT",
    );
  });

  it("filters by what can be ordered now (reservations count, expired ones do not)", async () => {
    const category = await insertCategory(products.db, "Stock filter");
    const [some, none, reserved, expired] = await insertProducts(
      products.db,
      [3, 0, 2, 2].map((stock) => ({ categoryId: category.id, stock })),
    );
    const hold = (productId: string, expiresAt: Date) =>
      products.db.stockReservation.create({
        data: { orderId: crypto.randomUUID(), productId, quantity: 2, expiresAt },
      });
    await hold(reserved!.id, new Date(Date.now() + 600_000));
    await hold(expired!.id, new Date(Date.now() - 1_000));
    const inStock = await search({ filter: { categorySlug: category.slug, inStock: true } });
    expect(new Set(ids(inStock))).toEqual(new Set([some!.id, expired!.id]));
    const outOfStock = await search({ filter: { categorySlug: category.slug, inStock: false } });
    expect(new Set(ids(outOfStock))).toEqual(new Set([none!.id, reserved!.id]));
    const byId = Object.fromEntries((inStock.data?.products.edges as Edge[]).map((e) => [e.node.id, e.node]));
    expect(byId[expired!.id]).toMatchObject({ quantityAvailable: 2, inStock: true });
  });
});
