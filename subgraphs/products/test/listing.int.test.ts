import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedCategories, seedProducts } from "@shopgraph/fixtures";
import { encodeCursor } from "@shopgraph/subgraph-kit";
import { insertCategory, insertProducts } from "./factories.ts";
import {
  PRODUCT_FIELDS,
  provisionProductsWorld,
  startTestProducts,
  type ProductsWorld,
  type TestProducts,
} from "./harness.ts";

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

const PAGE =
  "totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id title price { amount } createdAt } }";
const list = (args: Record<string, unknown>) =>
  products.query(
    `query($first: Int, $after: String, $query: String, $filter: ProductFilter, $sortKey: ProductSortKey, $reverse: Boolean) {
    products(first: $first, after: $after, query: $query, filter: $filter, sortKey: $sortKey, reverse: $reverse) { ${PAGE} } }`,
    { variables: args },
  );
const codeOf = (res: Awaited<ReturnType<typeof list>>) => res.errors?.[0]?.extensions?.code;

describe("catalog listing", () => {
  it("serves the seeded catalog: 14 categories, non-archived products only, oldest first by default", async () => {
    const listed = seedProducts.filter((p) => !p.archived);
    const res = await list({ first: 5 });
    expect(res.errors).toBeUndefined();
    expect(res.data?.products.totalCount).toBe(listed.length);
    expect(res.data?.products.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(
      listed.slice(0, 5).map((p) => p.id),
    );
    expect(res.data?.products.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const categories = await products.query("{ categories { id slug name } }");
    expect(categories.data?.categories).toHaveLength(seedCategories.length);
    expect(categories.data?.categories.map((c: { slug: string }) => c.slug).sort()).toEqual(
      seedCategories.map((c) => c.slug).sort(),
    );
  });

  it("defaults to 20 and caps first at 100; negative or huge first is BAD_USER_INPUT", async () => {
    expect((await list({})).data?.products.edges).toHaveLength(20);
    expect((await list({ first: 100 })).data?.products.edges).toHaveLength(100);
    for (const first of [101, -1, 2_000_000_000]) {
      const res = await list({ first });
      expect({ first, code: codeOf(res), data: res.data ?? null }).toEqual({
        first,
        code: "BAD_USER_INPUT",
        data: null,
      });
    }
  });

  it("rejects forged, malformed and foreign cursors with BAD_USER_INPUT", async () => {
    const byTitle = (await list({ first: 1, sortKey: "TITLE" })).data?.products.pageInfo.endCursor as string;
    const byTitleReversed = (await list({ first: 1, sortKey: "TITLE", reverse: true })).data?.products.pageInfo
      .endCursor as string;
    const bad = [
      "garbage",
      "",
      "x".repeat(5000),
      encodeCursor(["CREATED_AT:f", "not a date", "00000000-0000-0000-0000-000000000000"]),
      encodeCursor(["CREATED_AT:f", "2026-01-01T00:00:00.000Z", '\'; DROP TABLE "Product"; --']),
      encodeCursor(["PRICE:f", "12.5", "00000000-0000-0000-0000-000000000000"]),
      Buffer.from('{"a":1}').toString("base64url"),
    ];
    for (const after of bad.filter(Boolean)) expect(codeOf(await list({ after }))).toBe("BAD_USER_INPUT");
    expect(
      codeOf(
        await list({
          after: encodeCursor(["PRICE:f", "12.5", "00000000-0000-0000-0000-000000000000"]),
          sortKey: "PRICE",
        }),
      ),
    ).toBe("BAD_USER_INPUT");
    // A cursor minted for another sort key or direction cannot resume this one.
    expect(codeOf(await list({ after: byTitle }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await list({ after: byTitle, sortKey: "PRICE" }))).toBe("BAD_USER_INPUT");
    expect(codeOf(await list({ after: byTitleReversed, sortKey: "TITLE" }))).toBe("BAD_USER_INPUT");
    expect((await list({ after: byTitle, sortKey: "TITLE" })).errors).toBeUndefined();
    const relevance = (await list({ first: 1, query: "wool", sortKey: "RELEVANCE" })).data?.products.pageInfo
      .endCursor as string;
    expect(codeOf(await list({ after: relevance, query: "leather", sortKey: "RELEVANCE" }))).toBe("BAD_USER_INPUT");
  });
});

type Sort = "CREATED_AT" | "TITLE" | "PRICE" | "RELEVANCE";

describe("keyset pagination stays exact while rows are inserted between page requests", () => {
  const cases: [Sort, boolean][] = [
    ["CREATED_AT", false],
    ["CREATED_AT", true],
    ["TITLE", false],
    ["TITLE", true],
    ["PRICE", false],
    ["PRICE", true],
    ["RELEVANCE", false],
    ["RELEVANCE", true],
  ];
  it.each(cases)("sortKey %s reverse %s: no item skipped or repeated", async (sortKey, reverse) => {
    const category = await insertCategory(products.db, `Paging ${sortKey} ${reverse}`);
    const word = `zq${sortKey.toLowerCase().replace("_", "")}${reverse ? "r" : "f"}`;
    const base = new Date("2026-03-01T00:00:00.000Z").getTime();
    // Few distinct values: most rows tie on the sort key, so only the id tiebreaker orders them.
    const draft = (i: number, salt: string) => ({
      categoryId: category.id,
      title: `${["Alpha", "Beta", "Gamma"][i % 3]} ${word}`,
      description: i % 2 === 0 ? `${word} ${word} ${salt}` : `plain ${salt}`,
      priceMinor: BigInt(1000 + (i % 4) * 250),
      createdAt: new Date(base + (i % 5) * 1000),
    });
    const original = await insertProducts(
      products.db,
      Array.from({ length: 40 }, (_, i) => draft(i, "original")),
    );
    const seen: string[] = [];
    let after: string | null = null;
    let inserted = 0;
    for (let page = 0; page < 30; page++) {
      const res = await list({
        first: 7,
        after,
        sortKey,
        reverse,
        filter: { categorySlug: category.slug },
        ...(sortKey === "RELEVANCE" ? { query: word } : {}),
      });
      expect(res.errors).toBeUndefined();
      const connection = res.data?.products;
      seen.push(...connection.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
      // New rows land before, among and after the cursor position (every tie group gets some).
      await insertProducts(
        products.db,
        Array.from({ length: 5 }, (_, i) => draft(inserted + i, "inserted")),
      );
      inserted += 5;
    }
    expect(new Set(seen).size).toBe(seen.length);
    const seenSet = new Set(seen);
    expect(original.filter((p) => !seenSet.has(p.id)).map((p) => p.title)).toEqual([]);
    expect(inserted).toBeGreaterThan(0);
  });

  it("orders by price ascending, then reversed, with ids breaking ties", async () => {
    const category = await insertCategory(products.db, "Price order");
    await insertProducts(
      products.db,
      [300n, 100n, 200n, 100n].map((priceMinor) => ({ categoryId: category.id, priceMinor })),
    );
    const amounts = async (reverse: boolean) =>
      (await list({ sortKey: "PRICE", reverse, filter: { categorySlug: category.slug } })).data?.products.edges.map(
        (e: { node: { id: string; price: { amount: string } } }) => [e.node.price.amount, e.node.id],
      );
    const ascending = (await amounts(false)) as [string, string][];
    expect(ascending.map(([amount]) => amount)).toEqual(["1.00", "1.00", "2.00", "3.00"]);
    expect(ascending[0]![1] < ascending[1]![1]).toBe(true);
    expect(await amounts(true)).toEqual([...ascending].reverse());
  });
});

describe("archived products and lookups", () => {
  it("archived products vanish from listings and search but resolve by id and as entities", async () => {
    const category = await insertCategory(products.db, "Archive");
    const [kept, archived] = await insertProducts(products.db, [
      { categoryId: category.id, title: "Kept zqarchivable lamp" },
      { categoryId: category.id, title: "Gone zqarchivable lamp", archivedAt: new Date() },
    ]);
    const listing = await list({ filter: { categorySlug: category.slug } });
    expect(listing.data?.products.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([kept!.id]);
    const search = await list({ query: "zqarchivable" });
    expect(search.data?.products.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([kept!.id]);
    const byCategory = await products.query(
      "query($s: String!) { category(slug: $s) { products { totalCount edges { node { id } } } } }",
      { variables: { s: category.slug } },
    );
    expect(byCategory.data?.category.products).toEqual({ totalCount: 1, edges: [{ node: { id: kept!.id } }] });
    const byId = await products.query(`query($id: ID) { product(id: $id) { ${PRODUCT_FIELDS} } }`, {
      variables: { id: archived!.id },
    });
    expect(byId.data?.product).toMatchObject({ id: archived!.id, archived: true });
    const bySlug = await products.query("query($s: String) { product(slug: $s) { id } }", {
      variables: { s: archived!.slug },
    });
    expect(bySlug.data?.product).toBeNull();
    const entities = await products.query(
      "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id archived title } } }",
      {
        variables: { r: [{ __typename: "Product", id: archived!.id }] },
      },
    );
    expect(entities.data?._entities).toEqual([{ id: archived!.id, archived: true, title: "Gone zqarchivable lamp" }]);
  });

  it("product takes exactly one of id or slug", async () => {
    const seeded = seedProducts.find((p) => !p.archived)!;
    const bySlug = await products.query("query($s: String) { product(slug: $s) { id slug } }", {
      variables: { s: seeded.slug },
    });
    expect(bySlug.data?.product).toEqual({ id: seeded.id, slug: seeded.slug });
    const byUpperId = await products.query("query($id: ID) { product(id: $id) { id } }", {
      variables: { id: seeded.id.toUpperCase() },
    });
    expect(byUpperId.data?.product).toEqual({ id: seeded.id });
    for (const [query, variables] of [
      ["{ product { id } }", {}],
      ["query($id: ID, $s: String) { product(id: $id, slug: $s) { id } }", { id: seeded.id, s: seeded.slug }],
    ] as const) {
      const res = await products.query(query, { variables });
      expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
    expect((await products.query('{ product(id: "not-a-uuid") { id } }')).data?.product).toBeNull();
    expect((await products.query('{ product(slug: "no-such-product") { id } }')).data?.product).toBeNull();
    expect((await products.query('{ category(slug: "no-such-category") { id } }')).data?.category).toBeNull();
  });

  it("resolves Category entities (unknown ids are null)", async () => {
    const category = seedCategories[4]!;
    const res = await products.query(
      "query($r: [_Any!]!) { _entities(representations: $r) { ... on Category { id slug name products(first: 1) { totalCount } } } }",
      {
        variables: {
          r: [
            { __typename: "Category", id: category.id },
            { __typename: "Category", id: "00000000-0000-4000-8000-000000000000" },
          ],
        },
      },
    );
    expect(res.data?._entities).toEqual([
      {
        id: category.id,
        slug: category.slug,
        name: category.name,
        products: { totalCount: seedProducts.filter((p) => p.categoryId === category.id && !p.archived).length },
      },
      null,
    ]);
  });

  it("pages through a category's products with cursors", async () => {
    const category = await insertCategory(products.db, "Category paging");
    const rows = await insertProducts(
      products.db,
      Array.from({ length: 5 }, (_, i) => ({
        categoryId: category.id,
        createdAt: new Date(Date.UTC(2026, 4, 1, 0, i)),
      })),
    );
    const page = (after: string | null) =>
      products.query(
        "query($s: String!, $a: String) { category(slug: $s) { products(first: 2, after: $a) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }",
        { variables: { s: category.slug, a: after } },
      );
    const ids: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res: Awaited<ReturnType<typeof page>> = await page(after);
      const connection = res.data?.category.products as {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string };
        edges: { node: { id: string } }[];
      };
      expect(connection.totalCount).toBe(5);
      ids.push(...connection.edges.map((e) => e.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(ids).toEqual(rows.map((r) => r.id));
    expect(
      (
        await products.query("query($s: String!) { category(slug: $s) { products(first: 101) { totalCount } } }", {
          variables: { s: category.slug },
        })
      ).errors?.[0]?.extensions?.code,
    ).toBe("BAD_USER_INPUT");
  });
});
