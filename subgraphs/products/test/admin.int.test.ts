import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedCategories } from "@shopgraph/fixtures";
import { unsignedToken } from "@shopgraph/testing";
import { insertProducts } from "./factories.ts";
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
  products = await startTestProducts(world, { LOW_STOCK_THRESHOLD: "5" });
});
afterAll(async () => {
  await products?.close();
  await world?.close();
});

const ERRORS = "userErrors { code field message }";
const admin = (query: string, variables: Record<string, unknown> = {}) =>
  products.query(query, { variables, token: world.tokens.admin });
const createProduct = (input: Record<string, unknown>) =>
  admin(`mutation($i: CreateProductInput!) { createProduct(input: $i) { product { ${PRODUCT_FIELDS} } ${ERRORS} } }`, {
    i: input,
  });
const updateProduct = (id: string, input: Record<string, unknown>) =>
  admin(
    `mutation($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { product { ${PRODUCT_FIELDS} } ${ERRORS} } }`,
    { id, i: input },
  );
const adjust = (productId: string, delta: number) =>
  admin(
    `mutation($p: ID!, $d: Int!) { adjustInventory(productId: $p, delta: $d) { product { id quantityAvailable inStock updatedAt } ${ERRORS} } }`,
    { p: productId, d: delta },
  );
const valid = { title: "Walnut Desk Organizer", description: "Keeps pens in line.", price: "24.50" };
const lowStockEvents = (productId: string) =>
  products.db.outboxEvent.findMany({
    where: { type: "inventory.low_stock", payload: { path: ["productId"], equals: productId } },
  });

describe("createCategory", () => {
  it("creates a category with a derived slug and shows it in categories at once", async () => {
    const res = await admin(
      'mutation { createCategory(input: { name: "Garden Tools & Co." }) { category { id slug name } userErrors { code } } }',
    );
    expect(res.data?.createCategory).toMatchObject({
      category: { slug: "garden-tools-co", name: "Garden Tools & Co." },
      userErrors: [],
    });
    const list = await products.query("{ categories { slug } }");
    expect(list.data?.categories).toHaveLength(seedCategories.length + 1);
    expect((await products.query('{ category(slug: "garden-tools-co") { name } }')).data?.category).toEqual({
      name: "Garden Tools & Co.",
    });
  });

  it.each([
    [{ name: "Dup", slug: seedCategories[0]!.slug }, "SLUG_TAKEN", ["input", "slug"]],
    [{ name: "Bad", slug: "Not A Slug" }, "INVALID_SLUG", ["input", "slug"]],
    [{ name: "  " }, "INVALID_NAME", ["input", "name"]],
    [{ name: "n".repeat(101) }, "INVALID_NAME", ["input", "name"]],
  ])("refuses %j with %s", async (input, code, field) => {
    const before = await products.db.category.count();
    const res = await admin(
      "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id } userErrors { code field } } }",
      { i: input },
    );
    expect(res.data?.createCategory.category).toBeNull();
    expect(res.data?.createCategory.userErrors).toContainEqual({ code, field });
    expect(await products.db.category.count()).toBe(before);
  });
});

describe("createProduct", () => {
  it("creates a product in a category with its initial stock", async () => {
    const category = seedCategories[1]!;
    const res = await createProduct({ ...valid, categoryId: category.id, initialStock: 12, currencyCode: "EUR" });
    expect(res.data?.createProduct.userErrors).toEqual([]);
    expect(res.data?.createProduct.product).toMatchObject({
      slug: "walnut-desk-organizer",
      title: valid.title,
      price: { amount: "24.50", currencyCode: "EUR" },
      category: { id: category.id, slug: category.slug },
      quantityAvailable: 12,
      inStock: true,
      archived: false,
    });
    // The same title again: the derived slug gets a suffix instead of failing.
    const again = await createProduct(valid);
    expect(again.data?.createProduct.product.slug).toMatch(/^walnut-desk-organizer-[a-z0-9]{6}$/);
    expect(again.data?.createProduct.product).toMatchObject({
      quantityAvailable: 0,
      inStock: false,
      category: null,
      price: { currencyCode: "USD" },
    });
  });

  it.each([
    [{ title: "" }, "INVALID_TITLE", ["input", "title"]],
    [{ title: "t".repeat(201) }, "INVALID_TITLE", ["input", "title"]],
    [{ description: "d".repeat(5001) }, "INVALID_DESCRIPTION", ["input", "description"]],
    [{ slug: "Upper-Case" }, "INVALID_SLUG", ["input", "slug"]],
    [{ slug: "double--hyphen" }, "INVALID_SLUG", ["input", "slug"]],
    [{ slug: "-leading" }, "INVALID_SLUG", ["input", "slug"]],
    [{ slug: "a".repeat(101) }, "INVALID_SLUG", ["input", "slug"]],
    [{ title: "!!!" }, "INVALID_SLUG", ["input", "slug"]],
    [{ price: "0" }, "INVALID_PRICE", ["input", "price"]],
    [{ price: "0.00" }, "INVALID_PRICE", ["input", "price"]],
    [{ price: "-5" }, "INVALID_PRICE", ["input", "price"]],
    [{ price: "1.999" }, "INVALID_PRICE", ["input", "price"]],
    [{ price: "ten" }, "INVALID_PRICE", ["input", "price"]],
    [{ price: "1e3" }, "INVALID_PRICE", ["input", "price"]],
    [{ categoryId: "00000000-0000-4000-8000-000000000000" }, "CATEGORY_NOT_FOUND", ["input", "categoryId"]],
    [{ categoryId: "not-a-uuid" }, "CATEGORY_NOT_FOUND", ["input", "categoryId"]],
    [{ initialStock: -1 }, "INVALID_STOCK", ["input", "initialStock"]],
    [{ initialStock: 1_000_001 }, "INVALID_STOCK", ["input", "initialStock"]],
    [{ slug: "walnut-desk-organizer" }, "SLUG_TAKEN", ["input", "slug"]],
  ])("refuses %j with %s and creates nothing", async (override, code, field) => {
    const before = await products.db.product.count();
    const res = await createProduct({ ...valid, title: "Refused Product", ...override });
    expect(res.data?.createProduct.product).toBeNull();
    expect(res.data?.createProduct.userErrors).toContainEqual(expect.objectContaining({ code, field }));
    expect(await products.db.product.count()).toBe(before);
  });

  it("reports every invalid field at once", async () => {
    const res = await createProduct({ title: "", description: "d".repeat(5001), price: "free", initialStock: -3 });
    expect(res.data?.createProduct.userErrors.map((e: { code: string }) => e.code).sort()).toEqual([
      "INVALID_DESCRIPTION",
      "INVALID_PRICE",
      "INVALID_SLUG",
      "INVALID_STOCK",
      "INVALID_TITLE",
    ]);
  });
});

describe("updateProduct and archiveProduct", () => {
  it("updates the given fields only and keeps the slug", async () => {
    const [product] = await insertProducts(products.db, [
      { title: "Old Title", priceMinor: 1000n, categoryId: seedCategories[0]!.id },
    ]);
    const res = await updateProduct(product!.id, { title: "  New Title ", price: "12.3" });
    expect(res.data?.updateProduct).toMatchObject({
      userErrors: [],
      product: {
        title: "New Title",
        slug: product!.slug,
        price: { amount: "12.30" },
        category: { id: seedCategories[0]!.id },
      },
    });
    const moved = await updateProduct(product!.id, { categoryId: null });
    expect(moved.data?.updateProduct.product).toMatchObject({ title: "New Title", category: null });
  });

  it.each([
    [{ price: "0" }, "INVALID_PRICE", ["input", "price"]],
    [{ title: " " }, "INVALID_TITLE", ["input", "title"]],
    [{ description: "d".repeat(5001) }, "INVALID_DESCRIPTION", ["input", "description"]],
    [{ categoryId: "00000000-0000-4000-8000-000000000000" }, "CATEGORY_NOT_FOUND", ["input", "categoryId"]],
  ])("refuses %j with %s and changes nothing", async (input, code, field) => {
    const [product] = await insertProducts(products.db, [{ title: "Unchanged" }]);
    const res = await updateProduct(product!.id, input);
    expect(res.data?.updateProduct).toMatchObject({
      product: null,
      userErrors: [expect.objectContaining({ code, field })],
    });
    expect(await products.db.product.findUnique({ where: { id: product!.id } })).toMatchObject({
      title: "Unchanged",
      priceMinor: 1999n,
    });
  });

  it("answers PRODUCT_NOT_FOUND for unknown ids", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "nope"]) {
      expect((await updateProduct(id, { title: "X" })).data?.updateProduct.userErrors).toEqual([
        expect.objectContaining({ code: "PRODUCT_NOT_FOUND" }),
      ]);
      const archived = await admin(
        "mutation($id: ID!) { archiveProduct(id: $id) { product { id } userErrors { code } } }",
        { id },
      );
      expect(archived.data?.archiveProduct).toEqual({ product: null, userErrors: [{ code: "PRODUCT_NOT_FOUND" }] });
    }
  });

  it("archives idempotently", async () => {
    const [product] = await insertProducts(products.db, [{}]);
    const archive = () =>
      admin("mutation($id: ID!) { archiveProduct(id: $id) { product { archived updatedAt } userErrors { code } } }", {
        id: product!.id,
      });
    expect((await archive()).data?.archiveProduct).toMatchObject({ product: { archived: true }, userErrors: [] });
    const stored = await products.db.product.findUniqueOrThrow({ where: { id: product!.id } });
    expect((await archive()).data?.archiveProduct).toMatchObject({ product: { archived: true }, userErrors: [] });
    expect((await products.db.product.findUniqueOrThrow({ where: { id: product!.id } })).archivedAt).toEqual(
      stored.archivedAt,
    );
  });
});

describe("adjustInventory", () => {
  it("adds and removes stock, never below zero", async () => {
    const [product] = await insertProducts(products.db, [{ stock: 10 }]);
    expect((await adjust(product!.id, 5)).data?.adjustInventory).toMatchObject({
      product: { quantityAvailable: 15 },
      userErrors: [],
    });
    expect((await adjust(product!.id, -15)).data?.adjustInventory).toMatchObject({
      product: { quantityAvailable: 0, inStock: false },
      userErrors: [],
    });
    const refused = await adjust(product!.id, -1);
    expect(refused.data?.adjustInventory).toEqual({
      product: null,
      userErrors: [expect.objectContaining({ code: "INSUFFICIENT_STOCK", field: ["delta"] })],
    });
    expect((await products.db.product.findUniqueOrThrow({ where: { id: product!.id } })).stock).toBe(0);
  });

  it("refuses to remove units held by pending checkouts, and stock beyond 1,000,000", async () => {
    const [product] = await insertProducts(products.db, [{ stock: 10 }]);
    await products.db.stockReservation.create({
      data: {
        orderId: crypto.randomUUID(),
        productId: product!.id,
        quantity: 8,
        expiresAt: new Date(Date.now() + 600_000),
      },
    });
    expect((await adjust(product!.id, -3)).data?.adjustInventory.userErrors).toEqual([
      expect.objectContaining({ code: "INSUFFICIENT_STOCK" }),
    ]);
    expect((await adjust(product!.id, -2)).data?.adjustInventory).toMatchObject({
      product: { quantityAvailable: 0 },
      userErrors: [],
    });
    for (const delta of [1_000_000, 2_147_483_647]) {
      expect((await adjust(product!.id, delta)).data?.adjustInventory.userErrors).toEqual([
        expect.objectContaining({ code: "STOCK_LIMIT_EXCEEDED" }),
      ]);
    }
    expect((await adjust(product!.id, -2_147_483_648)).data?.adjustInventory.userErrors).toEqual([
      expect.objectContaining({ code: "INSUFFICIENT_STOCK" }),
    ]);
    expect((await products.db.product.findUniqueOrThrow({ where: { id: product!.id } })).stock).toBe(8);
  });

  it("answers PRODUCT_NOT_FOUND for unknown products", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "nope"]) {
      expect((await adjust(id, 1)).data?.adjustInventory).toEqual({
        product: null,
        userErrors: [expect.objectContaining({ code: "PRODUCT_NOT_FOUND" })],
      });
    }
  });

  it("records inventory.low_stock once, when availability drops to the threshold", async () => {
    const [product] = await insertProducts(products.db, [{ stock: 20, title: "Low Stock Lamp" }]);
    await adjust(product!.id, -10);
    expect(await lowStockEvents(product!.id)).toHaveLength(0);
    await adjust(product!.id, -5);
    const [event, ...more] = await lowStockEvents(product!.id);
    expect(more).toHaveLength(0);
    // Recorded in the outbox once (the relay may already have published it: publishedAt is not checked).
    expect(event).toMatchObject({
      type: "inventory.low_stock",
      payload: { productId: product!.id, title: "Low Stock Lamp", quantityAvailable: 5 },
    });
    await adjust(product!.id, -1);
    expect(await lowStockEvents(product!.id)).toHaveLength(1);
    // Restocked above the threshold, the next drop alerts again.
    await adjust(product!.id, 10);
    await adjust(product!.id, -10);
    expect(await lowStockEvents(product!.id)).toHaveLength(2);
  });
});

describe("authorization of admin mutations", () => {
  const mutations: [string, Record<string, unknown>][] = [
    ["mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id } } }", { i: { name: "Sneaky" } }],
    [
      "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id } } }",
      { i: { ...valid, title: "Sneaky" } },
    ],
    ['mutation($id: ID!) { updateProduct(id: $id, input: { price: "0.01" }) { product { id } } }', { id: "PRODUCT" }],
    ["mutation($id: ID!) { archiveProduct(id: $id) { product { id } } }", { id: "PRODUCT" }],
    ["mutation($id: ID!) { adjustInventory(productId: $id, delta: -10) { product { id } } }", { id: "PRODUCT" }],
  ];

  it.each([
    ["anonymous", undefined, "UNAUTHENTICATED"],
    ["customer", "customer", "FORBIDDEN"],
  ] as const)("%s callers get %s and nothing changes", async (_who, role, code) => {
    const [product] = await insertProducts(products.db, [{ stock: 10, priceMinor: 5000n }]);
    const [categories, count] = [await products.db.category.count(), await products.db.product.count()];
    for (const [query, variables] of mutations) {
      const vars = Object.fromEntries(
        Object.entries(variables).map(([k, v]) => [k, v === "PRODUCT" ? product!.id : v]),
      );
      const res = await products.query(query, { variables: vars, ...(role ? { token: world.tokens[role] } : {}) });
      expect({ query, status: res.status, code: res.errors?.[0]?.extensions?.code, data: res.data ?? null }).toEqual({
        query,
        status: 200,
        code,
        data: null,
      });
    }
    expect(await products.db.product.findUniqueOrThrow({ where: { id: product!.id } })).toMatchObject({
      stock: 10,
      priceMinor: 5000n,
      archivedAt: null,
    });
    expect([await products.db.category.count(), await products.db.product.count()]).toEqual([categories, count]);
  });

  it("refuses forged or foreign tokens with HTTP 401", async () => {
    const foreign = await (
      await import("@shopgraph/testing")
    ).createTestIssuer({ issuer: "https://shopgraph.dev/users", audience: "shopgraph" });
    for (const token of [
      unsignedToken({ sub: crypto.randomUUID(), role: "ADMIN" }),
      await foreign.sign({ role: "ADMIN" }),
      await world.issuer.sign({ role: "ADMIN", audience: "elsewhere" }),
    ]) {
      const res = await products.query('mutation { createCategory(input: { name: "Forged" }) { category { id } } }', {
        token,
      });
      expect({ status: res.status, code: res.errors?.[0]?.extensions?.code }).toEqual({
        status: 401,
        code: "UNAUTHENTICATED",
      });
    }
  });
});
