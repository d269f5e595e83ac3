import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedAdmin, seedCategories, seedCustomer, seedOrders } from "@shopgraph/fixtures";
import { gql, type GqlResponse } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";

let stack: Stack;
let admin: string;
let customer: string;

beforeAll(async () => {
  stack = await startStack({ gatewayEnv: { RATE_LIMIT_ENABLED: "false" } });
  const login = async (email: string, password: string) =>
    (
      await gql(stack.url, "mutation($i: LoginInput!) { login(input: $i) { session { accessToken } } }", {
        variables: { i: { email, password } },
      })
    ).data?.login.session.accessToken as string;
  [admin, customer] = await Promise.all([
    login(seedAdmin.email, DEMO_PASSWORDS.admin),
    login(seedCustomer.email, DEMO_PASSWORDS.customer),
  ]);
});
afterAll(() => stack?.close());

const PAGE = "edges { cursor node { id title price { amount } } } pageInfo { hasNextPage endCursor } totalCount";

describe("catalog through the gateway", () => {
  it("searches with prefix matching and ranks by relevance", async () => {
    const res = await gql(
      stack.url,
      `query($q: String) { products(first: 10, query: $q, sortKey: RELEVANCE) { ${PAGE} } }`,
      { variables: { q: "meri woo" } },
    );
    expect(res.errors).toBeUndefined();
    const titles = res.data?.products.edges.map((e: { node: { title: string } }) =>
      e.node.title.toLowerCase(),
    ) as string[];
    expect(titles.length).toBeGreaterThan(0);
    expect(titles[0]).toMatch(/meri/);
  });

  it("filters by category and price range, sorts by price, and pages without repeats", async () => {
    const slug = seedCategories[0]!.slug;
    const seen = new Set<string>();
    let after: string | null = null;
    let last = -1;
    for (let page = 0; page < 5; page++) {
      const res: GqlResponse = await gql(
        stack.url,
        `query($f: ProductFilter, $a: String) { products(first: 7, after: $a, filter: $f, sortKey: PRICE) { ${PAGE} } }`,
        {
          variables: { f: { categorySlug: slug, minPrice: "10", maxPrice: "500.00" }, a: after },
        },
      );
      expect(res.errors).toBeUndefined();
      for (const { node } of res.data?.products.edges as { node: { id: string; price: { amount: string } } }[]) {
        expect(seen.has(node.id)).toBe(false);
        seen.add(node.id);
        const price = Number(node.price.amount);
        expect(price).toBeGreaterThanOrEqual(Math.max(10, last));
        expect(price).toBeLessThanOrEqual(500);
        last = price;
      }
      if (!res.data?.products.pageInfo.hasNextPage) break;
      after = res.data.products.pageInfo.endCursor;
    }
    expect(seen.size).toBeGreaterThan(7);
  });

  it("codes bad input: RELEVANCE without a query, malformed prices, a forged cursor", async () => {
    for (const [query, variables] of [
      ["{ products(sortKey: RELEVANCE) { totalCount } }", {}],
      ["query($f: ProductFilter) { products(filter: $f) { totalCount } }", { f: { minPrice: "ten" } }],
      ['{ products(after: "bm90LWEtY3Vyc29y") { totalCount } }', {}],
    ] as const) {
      const res: GqlResponse = await gql(stack.url, query, { variables });
      expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    }
  });

  it("lets an ADMIN create, update (no stale price through the cache) and archive a product", async () => {
    const category = seedCategories[1]!;
    const created = await gql(
      stack.url,
      "mutation($i: CreateProductInput!) { createProduct(input: $i) { product { id slug price { amount } category { slug } quantityAvailable } userErrors { code } } }",
      {
        token: admin,
        variables: {
          i: {
            title: "E2E Test Lantern",
            description: "A lantern made by the e2e suite.",
            price: "19.99",
            categoryId: category.id,
            initialStock: 5,
          },
        },
      },
    );
    const product = created.data?.createProduct.product;
    expect(product).toMatchObject({
      slug: "e2e-test-lantern",
      price: { amount: "19.99" },
      category: { slug: category.slug },
      quantityAvailable: 5,
    });
    const read = () =>
      gql(stack.url, "query($id: ID) { product(id: $id) { price { amount } archived } }", {
        variables: { id: product.id },
      });
    expect((await read()).data?.product.price.amount).toBe("19.99");
    await gql(
      stack.url,
      'mutation($id: ID!) { updateProduct(id: $id, input: { price: "24.50" }) { userErrors { code } } }',
      { token: admin, variables: { id: product.id } },
    );
    expect((await read()).data?.product.price.amount).toBe("24.50");
    const dup = await gql(
      stack.url,
      'mutation { createProduct(input: { title: "x", slug: "e2e-test-lantern", description: "d", price: "1.00" }) { userErrors { code } } }',
      { token: admin },
    );
    expect(dup.data?.createProduct.userErrors[0].code).toBe("SLUG_TAKEN");
    await gql(stack.url, "mutation($id: ID!) { archiveProduct(id: $id) { product { archived } } }", {
      token: admin,
      variables: { id: product.id },
    });
    const search = await gql(stack.url, '{ products(first: 5, query: "e2e lantern") { totalCount } }');
    expect(search.data?.products.totalCount).toBe(0);
    expect((await read()).data?.product.archived).toBe(true);
  });

  it("keeps admin mutations away from customers and anonymous callers, changing nothing", async () => {
    const mutation = 'mutation { createCategory(input: { name: "Nope" }) { category { id } userErrors { code } } }';
    expect((await gql(stack.url, mutation, { token: customer })).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await gql(stack.url, mutation)).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const categories = await gql(stack.url, "{ categories { name } }");
    expect(categories.data?.categories.map((c: { name: string }) => c.name)).not.toContain("Nope");
  });

  it("still shows products of past orders after they are archived", async () => {
    const order = seedOrders.find((o) => o.customerId === seedCustomer.id)!;
    const productId = order.lines[0]!.productId;
    await gql(stack.url, "mutation($id: ID!) { archiveProduct(id: $id) { userErrors { code } } }", {
      token: admin,
      variables: { id: productId },
    });
    const res = await gql(stack.url, "query($id: ID!) { order(id: $id) { items { product { id title archived } } } }", {
      token: customer,
      variables: { id: order.id },
    });
    expect(
      res.data?.order.items.find((i: { product: { id: string } }) => i.product.id === productId).product,
    ).toMatchObject({ id: productId, archived: true });
  });
});
