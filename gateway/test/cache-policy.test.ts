import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HeaderMap, type ApolloServerPlugin, type BaseContext } from "@apollo/server";
import { buildSchema, parse, type DocumentNode, type GraphQLSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { cachePolicyPlugin, touchesPrivateType } from "../src/plugins/cache-policy-plugin.ts";

const schema = buildSchema(readFileSync(fileURLToPath(new URL("../../schema/api.graphql", import.meta.url)), "utf8"));
const PRIVATE = new Set(["User", "Order", "Notification"]);
const touches = (query: string) => touchesPrivateType(schema, parse(query), PRIVATE);

describe("touchesPrivateType", () => {
  it("is false for catalog-only selections", () => {
    expect(
      touches(
        "{ products(first: 2) { totalCount edges { node { title price { amount } category { name } } } } categories { slug } }",
      ),
    ).toBe(false);
    expect(
      touches("query P($slug: String!) { product(slug: $slug) { ...F } } fragment F on Product { id title }"),
    ).toBe(false);
  });

  it("finds a private type however it is reached: root field, alias, named or inline fragment", () => {
    expect(touches("{ products(first: 1) { totalCount } me { id } }")).toBe(true);
    expect(touches("{ a: products(first: 1) { totalCount } b: me { __typename } }")).toBe(true);
    expect(touches("query { ...Root } fragment Root on Query { me { ...U } } fragment U on User { name }")).toBe(true);
    expect(touches("{ ... on Query { me { id } } }")).toBe(true);
  });
});

/** Runs the plugin's hooks as Apollo Server would, with a subgraph-derived policy. */
async function headersFor(options: {
  policy: { maxAge: number; scope: "PUBLIC" | "PRIVATE" } | null;
  query: string;
  authorization?: string;
  errors?: boolean;
  /** One plugin across calls (its per-document verdicts), a parsed document and schema to reuse. */
  plugin?: ApolloServerPlugin<BaseContext>;
  document?: DocumentNode;
  schema?: GraphQLSchema;
}) {
  const plugin: ApolloServerPlugin<BaseContext> = options.plugin ?? cachePolicyPlugin();
  const requestHeaders = new HeaderMap();
  if (options.authorization) requestHeaders.set("authorization", options.authorization);
  const listener = await plugin.requestDidStart?.({
    request: { http: { method: "GET", headers: requestHeaders, search: "", body: undefined } },
  } as never);
  const response = {
    http: { headers: new HeaderMap() },
    body: { kind: "single", singleResult: options.errors ? { errors: [{ message: "x" }] } : { data: {} } },
  };
  await listener?.willSendResponse?.({
    response,
    overallCachePolicy: { policyIfCacheable: () => options.policy },
    document: options.document ?? parse(options.query),
    schema: options.schema ?? schema,
  } as never);
  return { cacheControl: response.http.headers.get("cache-control"), vary: response.http.headers.get("vary") };
}

describe("cachePolicyPlugin", () => {
  const catalog = "{ categories { slug } }";

  it("writes the subgraphs' combined policy as public, max-age=N, with Vary: Authorization, Origin", async () => {
    expect(await headersFor({ policy: { maxAge: 60, scope: "PUBLIC" }, query: catalog })).toEqual({
      cacheControl: "public, max-age=60",
      vary: "Authorization, Origin",
    });
  });

  it("makes a response to an authorized request private", async () => {
    expect(
      (await headersFor({ policy: { maxAge: 60, scope: "PUBLIC" }, query: catalog, authorization: "Bearer x" }))
        .cacheControl,
    ).toBe("private, max-age=60");
  });

  it("keeps a subgraph's private scope", async () => {
    expect((await headersFor({ policy: { maxAge: 30, scope: "PRIVATE" }, query: catalog })).cacheControl).toBe(
      "private, max-age=30",
    );
  });

  it("answers no-store when a subgraph disallowed caching, on errors, and for private types even if subgraphs said public", async () => {
    expect((await headersFor({ policy: null, query: catalog })).cacheControl).toBe("no-store");
    expect(
      (await headersFor({ policy: { maxAge: 60, scope: "PUBLIC" }, query: catalog, errors: true })).cacheControl,
    ).toBe("no-store");
    expect((await headersFor({ policy: { maxAge: 60, scope: "PUBLIC" }, query: "{ me { id } }" })).cacheControl).toBe(
      "no-store",
    );
  });

  it("walks a document once per schema: the same document keeps its verdict, another schema gets its own", async () => {
    const plugin = cachePolicyPlugin();
    const public60 = { maxAge: 60, scope: "PUBLIC" } as const;
    const me = parse("{ me { id } }");
    const catalogDocument = parse(catalog);
    for (let i = 0; i < 2; i++) {
      expect((await headersFor({ plugin, policy: public60, query: "", document: me })).cacheControl).toBe("no-store");
      expect((await headersFor({ plugin, policy: public60, query: "", document: catalogDocument })).cacheControl).toBe(
        "public, max-age=60",
      );
    }
    // After a supergraph change `me` returns a type that is not private: the same document is public there.
    const other = buildSchema("type Query { me: Profile } type Profile { id: ID }");
    expect((await headersFor({ plugin, policy: public60, query: "", document: me, schema: other })).cacheControl).toBe(
      "public, max-age=60",
    );
    expect((await headersFor({ plugin, policy: public60, query: "", document: me })).cacheControl).toBe("no-store");
  });
});
