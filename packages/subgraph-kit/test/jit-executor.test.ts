import { ApolloServer } from "@apollo/server";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codedError, ErrorCode } from "@shopgraph/errors";
import { jitGateway, type JitStats } from "../src/jit-executor.ts";
import { toConnection } from "../src/connection.ts";

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query { items(first: Int!): ItemConnection! item(id: ID!): Item secret: String broken: Item! }
  type Mutation { rename(id: ID!, title: String!): Item }
  type ItemConnection { edges: [ItemEdge!]! totalCount: Int! }
  type ItemEdge { cursor: String! node: Item! }
  type Item @key(fields: "id") { id: ID! title: String! owner: User price: Int! }
  type User @key(fields: "id") { id: ID! name: String }
`);

const items = [1, 2, 3].map((n) => ({ id: `i${n}`, title: `Item ${n}`, price: n * 100 }));
const resolvers = {
  Query: {
    items: (_: unknown, { first }: { first: number }) =>
      toConnection(
        items.slice(0, first + 1),
        first,
        false,
        (i) => i.id,
        async () => items.length,
      ),
    item: async (_: unknown, { id }: { id: string }) => items.find((i) => i.id === id) ?? null,
    secret: () => {
      throw codedError(ErrorCode.FORBIDDEN, "Not yours");
    },
    broken: () => null,
  },
  Mutation: { rename: (_: unknown, { id, title }: { id: string; title: string }) => ({ id, title, price: 1 }) },
  Item: {
    __resolveReference: async (ref: { id: string }) => items.find((i) => i.id === ref.id) ?? null,
    owner: (item: { id: string }) => (item.id === "i2" ? null : { id: `u-${item.id}` }),
  },
  User: {
    __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
    name: (user: { id: string }) => {
      if (user.id === "u-bad") throw codedError(ErrorCode.NOT_FOUND, "No such user");
      return `Name of ${user.id}`;
    },
  },
};

/** Two servers over the same SDL and resolvers: graphql-js (Apollo's own executor) and the jit executor. */
let plain: ApolloServer;
let jit: ApolloServer;
let stats: JitStats;
beforeAll(async () => {
  plain = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs, resolvers }]) });
  const built = jitGateway(buildSubgraphSchema([{ typeDefs, resolvers }]));
  stats = built.stats;
  jit = new ApolloServer({ gateway: built.gateway });
  await Promise.all([plain.start(), jit.start()]);
});
afterAll(async () => {
  await Promise.all([plain?.stop(), jit?.stop()]);
});

const run = async (server: ApolloServer, query: string, variables?: Record<string, unknown>) => {
  const res = await server.executeOperation({ query, ...(variables ? { variables } : {}) });
  if (res.body.kind !== "single") throw new Error("expected a single result");
  return { status: res.http.status, body: JSON.parse(JSON.stringify(res.body.singleResult)) as unknown };
};

/** Same answer (data, errors with messages, paths, locations and codes, HTTP status) from both. */
async function same(query: string, variables?: Record<string, unknown>) {
  const [a, b] = await Promise.all([run(plain, query, variables), run(jit, query, variables)]);
  expect(b).toEqual(a);
  return b.body as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
}

describe("jit executor (graphql-jit behind Apollo Server) answers exactly as graphql-js", () => {
  it("runs queries compiled, once per document: lazy totalCount, nested entities, nulls", async () => {
    const before = { ...stats };
    const query = `query($n: Int!) { items(first: $n) { totalCount edges { cursor node { id title price owner { id name } } } } }`;
    const body = await same(query, { n: 2 });
    expect(body.data?.items).toMatchObject({
      totalCount: 3,
      edges: [{ node: { id: "i1" } }, { node: { owner: null } }],
    });
    await same(query, { n: 3 });
    expect(stats.jit - before.jit).toBe(2);
    expect(stats.compiled - before.compiled).toBe(1);
  });

  it("keeps coded errors (code, message, path) and null propagation to the nearest nullable parent", async () => {
    const coded = await same(`{ secret item(id: "i1") { id } }`);
    expect(coded.errors?.[0]?.extensions?.code).toBe(ErrorCode.FORBIDDEN);
    const nonNull = await same(`{ broken { id } item(id: "i3") { title } }`);
    expect(nonNull.data).toBeNull();
    expect(nonNull.errors).toHaveLength(1);
  });

  it("resolves _entities from variables, refusing nothing the gateway sends", async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Item { id title owner { id } } ... on User { id name } } }`;
    const before = stats.jit;
    const body = await same(query, {
      r: [
        { __typename: "Item", id: "i3" },
        { __typename: "User", id: "u-bad" },
        { __typename: "Item", id: "nope" },
      ],
    });
    expect(body.errors?.[0]?.extensions?.code).toBe(ErrorCode.NOT_FOUND);
    expect(stats.jit).toBe(before + 1);
  });

  it("leaves to graphql-js: variables inside literals, bad variables, introspection, mutations", async () => {
    const before = stats.fallback;
    const literal = await same(
      `query($id: String!) { _entities(representations: [{ __typename: "User", id: $id }]) { ... on User { name } } }`,
      { id: "u-7" },
    );
    expect(literal.data?._entities).toEqual([{ name: "Name of u-7" }]);
    const badVariable = await same(`query($n: Int!) { items(first: $n) { totalCount } }`, { n: "many" });
    expect(badVariable.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    await same(`{ __schema { queryType { name } } __type(name: "Item") { fields { name } } }`);
    await same(`{ _service { sdl } }`);
    await same(`mutation { rename(id: "i1", title: "New") { id title } }`);
    expect(stats.fallback - before).toBe(4);
  });
});
