import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./stack.ts";
import { countingFetcher } from "./subgraph-calls.ts";

// CDN-cacheable catalog reads: hash-only GETs as a CDN or a browser sends them (no custom header),
// the Cache-Control the gateway derives from its subgraphs, and the CSRF rules that still hold.
const manifest = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../schema/persisted-queries/manifest.json", import.meta.url)), "utf8"),
) as {
  operations: { id: string; name: string; body: string }[];
};
const idOf = (name: string) => manifest.operations.find((op) => op.name === name)!.id;
const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const calls = countingFetcher();
let stack: Stack;
let customerToken: string;

beforeAll(async () => {
  stack = await startStack({
    gatewayDeps: { wrapFetcher: calls.wrap },
    gatewayEnv: { RATE_LIMIT_ENABLED: "false" },
    subgraphEnv: { METRICS_PORT: "0" },
  });
  const login = await post({
    query:
      'mutation { login(input: { email: "customer@shopgraph.dev", password: "customer-password-123" }) { session { accessToken } } }',
  });
  customerToken = (login.body.data as { login: { session: { accessToken: string } } }).login.session.accessToken;
}, 120_000);
afterAll(() => stack?.close());

interface Answer {
  status: number;
  cacheControl: string | null;
  vary: string | null;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function answer(res: Response): Promise<Answer> {
  return {
    status: res.status,
    cacheControl: res.headers.get("cache-control"),
    vary: res.headers.get("vary"),
    body: (await res.json()) as Answer["body"],
  };
}

/** A plain GET, as a CDN or an <img> would send it: no content-type, no apollo-require-preflight. */
async function get(
  params: { hash?: string; query?: string; variables?: unknown; operationName?: string },
  headers: Record<string, string> = {},
): Promise<Answer> {
  const search = new URLSearchParams();
  if (params.query) search.set("query", params.query);
  if (params.operationName) search.set("operationName", params.operationName);
  if (params.variables) search.set("variables", JSON.stringify(params.variables));
  if (params.hash)
    search.set("extensions", JSON.stringify({ persistedQuery: { version: 1, sha256Hash: params.hash } }));
  return answer(await fetch(`${stack.url}?${search}`, { headers }));
}

async function post(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  return answer(
    await fetch(stack.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    }),
  );
}

const apq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

/**
 * Registers a query in the APQ store (POST, query + hash) and returns its hash. Signed-in-only fields
 * are registered with a token: anonymously they answer UNAUTHENTICATED at their path (authorization).
 */
async function register(query: string, headers: Record<string, string> = {}): Promise<string> {
  const hash = sha(query);
  const res = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }, headers);
  expect(res.body.errors).toBeUndefined();
  return hash;
}

describe("cacheable catalog reads over GET", () => {
  it("an anonymous product page (manifest id, no custom header) is public, with the shortest max-age and Vary: Authorization", async () => {
    const catalog = await get({ hash: idOf("CatalogPage"), variables: { first: 2 } });
    expect(catalog.status).toBe(200);
    expect(catalog.body.errors).toBeUndefined();
    const slug = (catalog.body.data?.products as { edges: { node: { slug: string } }[] }).edges[0]!.node.slug;
    const page = await get({ hash: idOf("ProductBySlug"), variables: { slug } });
    expect(page.body.data?.product).toMatchObject({ slug });
    // Product is 60 s, its stock fields 10 s: the most restrictive hint wins.
    expect(page.cacheControl).toBe("public, max-age=10");
    expect(page.vary?.split(/\s*,\s*/)).toEqual(expect.arrayContaining(["Authorization", "Origin"]));
    expect(catalog.cacheControl).toBe("public, max-age=10");
  });

  it("takes the smallest max-age across the selection: categories 300 s, products 60 s", async () => {
    expect(
      (await get({ hash: await register("query CategoriesOnly { categories { id slug name } }") })).cacheControl,
    ).toBe("public, max-age=300");
    const both = await register(
      "query CategoriesAndTitles { categories { slug } products(first: 2) { totalCount edges { node { title price { amount } } } } }",
    );
    expect((await get({ hash: both })).cacheControl).toBe("public, max-age=60");
  });

  it("adding `me` to a product page makes it no-store (users' no-store answer and the private-type rule)", async () => {
    const hash = await register("query PageWithMe { products(first: 1) { edges { node { title } } } me { id } }");
    const anonymous = await get({ hash });
    expect(anonymous.body.errors).toBeUndefined();
    expect(anonymous.cacheControl).toBe("no-store");
    const signedIn = await get({ hash }, { authorization: `Bearer ${customerToken}` });
    expect((signedIn.body.data?.me as { id: string }).id).toBeTruthy();
    expect(signedIn.cacheControl).toBe("no-store");
  });

  it("an orders or notifications field is no-store too, also nested under a product-only root", async () => {
    const orders = await register("query MyOrderCount { me { orders { totalCount } } }", {
      authorization: `Bearer ${customerToken}`,
    });
    expect((await get({ hash: orders }, { authorization: `Bearer ${customerToken}` })).cacheControl).toBe("no-store");
    // Anonymous, the same hash answers UNAUTHENTICATED at me.orders: never stored either.
    expect((await get({ hash: orders })).cacheControl).toBe("no-store");
  });

  it("the same catalog GET with an Authorization header is private (a shared cache must not keep it)", async () => {
    const res = await get(
      { hash: idOf("CatalogPage"), variables: { first: 2 } },
      { authorization: `Bearer ${customerToken}` },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.cacheControl).toBe("private, max-age=10");
    expect(res.vary).toMatch(/Authorization/);
  });

  it("keeps the CORS Vary: Origin when a browser asks from an allowed origin", async () => {
    const res = await get({ hash: idOf("CatalogPage"), variables: { first: 1 } }, { origin: "http://localhost:3000" });
    expect(res.cacheControl).toBe("public, max-age=10");
    expect(res.vary?.split(/\s*,\s*/).sort()).toEqual(["Authorization", "Origin"]);
  });

  it("an answer with errors is no-store", async () => {
    const res = await get({ hash: idOf("ProductBySlug") });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(res.cacheControl).toBe("no-store");
  });
});

describe("CSRF rules that still hold", () => {
  it("a GET with query text and no custom header is refused as CSRF, and runs nothing", async () => {
    const before = calls.total();
    const res = await get({ query: "{ categories { slug } }" });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
    expect(calls.total()).toBe(before);
  });

  it("a GET naming a mutation by hash (Login's manifest id) is refused: mutations are POST-only", async () => {
    const before = calls.total();
    const res = await get({
      hash: idOf("Login"),
      variables: { input: { email: "customer@shopgraph.dev", password: "customer-password-123" } },
    });
    expect(res.status).toBe(405);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
    expect(res.body.data).toBeUndefined();
    expect(calls.total()).toBe(before);
  });

  it("an APQ-registered mutation fetched by GET hash is refused the same way", async () => {
    const mutation = 'mutation LogoutViaGet { logout(refreshToken: "not-a-token") { __typename } }';
    const hash = sha(mutation);
    // Registered by a POST (it runs there: an unknown refresh token is a no-op)…
    await post({ query: mutation, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    const before = calls.total();
    // …and then refused over GET before any subgraph is called.
    const res = await get({ hash });
    expect(res.status).toBe(405);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
    expect(res.body.data).toBeUndefined();
    expect(calls.total()).toBe(before);
  });

  it("a text/plain POST (a cross-site form) is refused as CSRF, also with a persisted-query hash", async () => {
    const before = calls.total();
    for (const body of [
      { query: "{ categories { slug } }" },
      { extensions: { persistedQuery: { version: 1, sha256Hash: idOf("CatalogPage") } } },
    ]) {
      const res = await answer(
        await fetch(stack.url, {
          method: "POST",
          headers: { "content-type": "text/plain" },
          body: JSON.stringify(body),
        }),
      );
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/);
    }
    expect(calls.total()).toBe(before);
  });

  it("a malformed or query-carrying extensions parameter gets no exemption", async () => {
    for (const search of [
      `extensions=${encodeURIComponent('{"persistedQuery":{"sha256Hash":"nothex"}}')}`,
      "extensions=%7Bbroken",
      `query=%7B__typename%7D&extensions=${encodeURIComponent(JSON.stringify(apq(sha("{__typename}"))))}`,
    ]) {
      const res = await answer(await fetch(`${stack.url}?${search}`));
      expect(res.status, search).toBe(400);
      expect(res.body.errors?.[0]?.message, search).toMatch(/Cross-Site Request Forgery/);
    }
  });
});
