import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, type DocumentNode } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { generatePersistedQueryIdsFromManifest } from "@apollo/persisted-query-lists";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./stack.ts";
import { countingFetcher } from "./subgraph-calls.ts";

// Apollo Client 4 against the real gateway, as the iOS app's web twin would run it: the client
// name the gateway enforces trusted documents for, the repo's manifest, Apollo's own links.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, "schema/persisted-queries/manifest.json"), "utf8")) as {
  operations: { id: string; name: string; body: string }[];
};
const operation = (name: string): DocumentNode =>
  parse(readFileSync(join(root, `schema/persisted-queries/operations/${name}.graphql`), "utf8"));
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const sha = sha256;
const IOS = { "apollographql-client-name": "shopgraph-ios", "apollographql-client-version": "2.4.0" };
const calls = countingFetcher();
const tmp = mkdtempSync(join(tmpdir(), "sg-ac-"));
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    gatewayDeps: { wrapFetcher: calls.wrap },
    gatewayEnv: {
      RATE_LIMIT_ENABLED: "false",
      TRUSTED_DOCUMENTS_MODE: "off",
      TRUSTED_DOCUMENTS_CLIENTS: "shopgraph-ios:enforce",
    },
  });
});
afterAll(async () => {
  await stack?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function client(url: string, options: { persisted: boolean; token?: string }) {
  const headers = { ...IOS, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  const http = new HttpLink({ uri: url, headers });
  const link = options.persisted
    ? ApolloLink.from([
        new PersistedQueryLink(generatePersistedQueryIdsFromManifest({ loadManifest: () => manifest })),
        http,
      ])
    : http;
  return new ApolloClient({ cache: new InMemoryCache(), link });
}

async function post(url: string, body: Record<string, unknown>, headers: Record<string, string> = IOS) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] },
  };
}

describe("Apollo Client 4 with trusted documents enforced for its client name", () => {
  it("runs CatalogPage by manifest id alone, and the cache normalizes the result (every object has __typename)", async () => {
    const apollo = client(stack.url, { persisted: true });
    const { data, error } = await apollo.query({ query: operation("CatalogPage"), variables: { first: 3 } });
    expect(error).toBeUndefined();
    const products = (data as { products: { edges: { node: { __typename: string; id: string } }[] } }).products;
    expect(products.edges).toHaveLength(3);
    expect(products.edges[0]!.node.__typename).toBe("Product");
    const cached = Object.keys(apollo.cache.extract() as Record<string, unknown>);
    for (const { node } of products.edges) expect(cached).toContain(`Product:${node.id}`);
  });

  it("sends Login and Me as full text (no persisted-query link): both equal manifest entries and run", async () => {
    const anonymous = client(stack.url, { persisted: false });
    const login = await anonymous.mutate({
      mutation: operation("Login"),
      variables: { input: { email: "customer@shopgraph.dev", password: "customer-password-123" } },
    });
    expect(login.error).toBeUndefined();
    const token = (login.data as { login: { session: { accessToken: string } } }).login.session.accessToken;
    const me = await client(stack.url, { persisted: false, token }).query({ query: operation("Me") });
    expect(me.error).toBeUndefined();
    expect((me.data as { me: { __typename: string; email: string } }).me).toMatchObject({
      __typename: "User",
      email: "customer@shopgraph.dev",
    });
  });

  it("accepts the manifest body reformatted (other whitespace and commas) in enforce mode", async () => {
    const body = manifest.operations
      .find((op) => op.name === "CatalogPage")!
      .body.replace(/\n\s*/g, " ")
      .replace(/ __typename/g, ", __typename");
    const res = await post(stack.url, { query: body, variables: { first: 1 } });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
  });

  it("still refuses an operation outside the manifest, even one that only adds a field, with 400 and no subgraph call", async () => {
    const before = calls.total();
    const extra = manifest.operations
      .find((op) => op.name === "CatalogPage")!
      .body.replace("totalCount", "totalCount\n    __typename");
    for (const query of ["{ categories { slug name } }", extra]) {
      const res = await post(stack.url, { query, variables: { first: 1 } });
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_SUPPORTED");
    }
    expect(calls.total()).toBe(before);
  });

  it("the old manifest's bodies (no __typename) are not trusted any more: sent as text they are refused", async () => {
    const old = manifest.operations.find((op) => op.name === "CatalogPage")!.body.replace(/\n\s*__typename/g, "");
    const res = await post(stack.url, { query: old, variables: { first: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_SUPPORTED");
  });
});

describe("Apollo Client's GET for hashed queries (CDN-friendly)", () => {
  it("useGETForHashedQueries: a plain GET with only the hash, no CSRF header needed, answered public and cacheable", async () => {
    const seen: { method: string; url: string; headers: Record<string, string>; cacheControl: string | null }[] = [];
    const fetchAndRecord = async (input: RequestInfo | URL, init?: RequestInit) => {
      const res = await fetch(input, init);
      seen.push({
        method: init?.method ?? "GET",
        url: String(input),
        headers: { ...(init?.headers as Record<string, string>) },
        cacheControl: res.headers.get("cache-control"),
      });
      return res;
    };
    // A web client (no enforced client name): APQ hashes computed by Apollo Client itself.
    const http = new HttpLink({ uri: stack.url, fetch: fetchAndRecord });
    const apollo = new ApolloClient({
      cache: new InMemoryCache(),
      link: ApolloLink.from([new PersistedQueryLink({ sha256, useGETForHashedQueries: true }), http]),
    });
    const { data, error } = await apollo.query({ query: operation("CatalogPage"), variables: { first: 2 } });
    expect(error).toBeUndefined();
    expect((data as { categories: unknown[] }).categories.length).toBeGreaterThan(0);
    expect(seen[0]).toMatchObject({ method: "GET", cacheControl: "public, max-age=10" });
    expect(new URL(seen[0]!.url).searchParams.has("query")).toBe(false);
    expect(Object.keys(seen[0]!.headers).map((h) => h.toLowerCase())).not.toContain("apollo-require-preflight");
  });
});

describe("manifests of Apollo iOS and Apollo Kotlin apps, listed beside the web one", () => {
  // What Apollo iOS (`.legacy`) / Apollo Kotlin (operationOutput.json) write: { id: { name, source } }.
  const source = "query IosCategories { categories { __typename id slug } }";
  const kotlin = "query AndroidProduct($slug: String!) { product(slug: $slug) { __typename id title } }";
  let url: string;

  beforeAll(async () => {
    const ios = join(tmp, "ios-2.4.0.json");
    writeFileSync(ios, JSON.stringify({ [sha(source)]: { name: "IosCategories", source } }));
    const android = join(tmp, "android-5.1.0.json");
    writeFileSync(android, JSON.stringify({ [sha(kotlin)]: { name: "AndroidProduct", source: kotlin } }));
    const gateway = await stack.startAnotherGateway({
      PERSISTED_QUERY_MANIFESTS: `${join(root, "schema/persisted-queries/manifest.json")},${tmp}`,
    });
    url = gateway.graphqlUrl;
  });

  it("runs an iOS operation and an Android operation by id alone, and still the web manifest's", async () => {
    const ios = await post(url, { extensions: { persistedQuery: { version: 1, sha256Hash: sha(source) } } });
    expect(ios.body.errors).toBeUndefined();
    expect(ios.body.data?.categories).toEqual(
      expect.arrayContaining([expect.objectContaining({ __typename: "Category" })]),
    );
    const android = await post(url, {
      extensions: { persistedQuery: { version: 1, sha256Hash: sha(kotlin) } },
      variables: { slug: "does-not-exist" },
    });
    expect(android.body.errors).toBeUndefined();
    expect(android.body.data).toEqual({ product: null });
    const web = manifest.operations.find((op) => op.name === "CatalogPage")!;
    expect(
      (await post(url, { extensions: { persistedQuery: { version: 1, sha256Hash: web.id } }, variables: { first: 1 } }))
        .body.errors,
    ).toBeUndefined();
  });
});
