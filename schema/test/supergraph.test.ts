import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { printSchema, Supergraph } from "@apollo/federation-internals";
import { buildSchema } from "graphql";
import type { GraphQLSchema } from "graphql";
import { afterAll, describe, expect, it } from "vitest";
import {
  API_SCHEMA_FILE,
  apiSchemaSdl,
  composeSupergraph,
  isSameSdl,
  REPO_ROOT,
  SUBGRAPHS,
  SUPERGRAPH_FILE,
  SUPPORTED_FEATURES,
  subgraphSdlPath,
} from "../compose.ts";
import { checkContract, formatContractReport } from "../contract-check.ts";

const CONTRACT_PATH = join(REPO_ROOT, "..", "shared", "contract", "api.graphql");
const PENDING_PATH = join(REPO_ROOT, "schema", "contract-pending.json");
const LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])`;

// Bootstrap only: while the subgraphs are still being written and no supergraph has been
// committed, there is nothing to compare. Once all four SDLs exist, or once supergraph.graphql is
// committed, the checks always run: a missing SDL or a missing supergraph is then a failure.
const missingSdls = SUBGRAPHS.filter((s) => !existsSync(subgraphSdlPath(REPO_ROOT, s.name))).map((s) => s.name);
const isBootstrapping = missingSdls.length > 0 && !existsSync(join(REPO_ROOT, SUPERGRAPH_FILE));
const BOOTSTRAP_REASON = `no ${SUPERGRAPH_FILE} yet and subgraph SDLs still missing: ${missingSdls.join(", ")}`;

/** The client-facing API schema of a supergraph, built in this module's graphql instance. */
function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  // toGraphQLJSSchema() would hand back objects of Apollo's CommonJS graphql, while vitest gives
  // this file graphql's .mjs build: findBreakingChanges then fails with "another module or realm".
  // Printing with Apollo's printer and rebuilding here is the same schema in one realm.
  return buildSchema(
    printSchema(Supergraph.build(supergraphSdl, { supportedFeatures: new Set(SUPPORTED_FEATURES) }).apiSchema()),
  );
}

const tmpRoots: string[] = [];
afterAll(() => {
  for (const dir of tmpRoots) rmSync(dir, { recursive: true, force: true });
});

/** Writes SDLs as `<tmp>/subgraphs/<name>/src/schema.graphql` and returns the tmp root. */
function fixtureRoot(sdls: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "sg-compose-"));
  tmpRoots.push(root);
  for (const [name, sdl] of Object.entries(sdls)) {
    mkdirSync(join(root, "subgraphs", name, "src"), { recursive: true });
    writeFileSync(subgraphSdlPath(root, name), sdl);
  }
  return root;
}

const pair = [
  { name: "accounts", url: "http://127.0.0.1:4101/graphql" },
  { name: "catalog", url: "http://127.0.0.1:4102/graphql" },
];

describe("composeSupergraph", () => {
  it("composes two subgraphs sharing an entity into one supergraph with their routing URLs", () => {
    const root = fixtureRoot({
      accounts: `${LINK}\ntype Query { me: User }\ntype User @key(fields: "id") { id: ID! email: String! }`,
      catalog: `${LINK}\ntype Query { products: [Product!]! }\ntype Product @key(fields: "id") { id: ID! seller: User! }\ntype User @key(fields: "id", resolvable: false) { id: ID! }`,
    });
    const sdl = composeSupergraph(root, pair);
    expect(sdl).toContain('ACCOUNTS @join__graph(name: "accounts", url: "http://127.0.0.1:4101/graphql")');
    expect(sdl).toContain('CATALOG @join__graph(name: "catalog", url: "http://127.0.0.1:4102/graphql")');
    expect(sdl.endsWith("\n")).toBe(true);

    const api = apiSchemaOf(sdl);
    expect(Object.keys(api.getQueryType()?.getFields() ?? {}).sort()).toEqual(["me", "products"]);
    expect(Object.keys(api.getTypeMap())).not.toContain("join__Graph");
  });

  it("is deterministic, so the committed file can be compared byte for byte", () => {
    const root = fixtureRoot({
      accounts: `${LINK}\ntype Query { a: Int }`,
      catalog: `${LINK}\ntype Query { b: Int }`,
    });
    expect(composeSupergraph(root, pair)).toBe(composeSupergraph(root, pair));
  });

  it("throws with every composition error joined", () => {
    const root = fixtureRoot({
      // Two unrelated conflicts: a non-shareable field defined twice and an incompatible type.
      accounts: `${LINK}\ntype Query { a: Int b: String }`,
      catalog: `${LINK}\ntype Query { a: Int b: Int }`,
    });
    let message = "";
    try {
      composeSupergraph(root, pair);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^supergraph composition failed with \d+ error\(s\):/);
    expect(message).toContain('"Query.a"');
    expect(message).toContain('"Query.b"');
    expect(message.split("\n  - ").length - 1).toBeGreaterThanOrEqual(2);
  });

  it("names every missing SDL file", () => {
    const root = fixtureRoot({ accounts: `${LINK}\ntype Query { a: Int }` });
    expect(() => composeSupergraph(root, [...pair, { name: "billing", url: "http://x/graphql" }])).toThrow(
      /missing subgraph SDL:\n {2}- subgraphs\/catalog\/src\/schema\.graphql\n {2}- subgraphs\/billing\/src\/schema\.graphql/,
    );
  });

  it("says which file has a syntax error", () => {
    const root = fixtureRoot({ accounts: `${LINK}\ntype Query { a: Int }`, catalog: "type Query {" });
    expect(() => composeSupergraph(root, pair)).toThrow(
      /cannot parse subgraphs\/catalog\/src\/schema\.graphql: Syntax Error/,
    );
  });

  it("treats CRLF and LF files as equal", () => {
    expect(isSameSdl("a\r\nb\r\n", "a\nb\n")).toBe(true);
    expect(isSameSdl("a\nb\n", "a\nc\n")).toBe(false);
  });
});

describe("checkContract", () => {
  const contract = buildSchema(`
    type Query { me: User product(id: ID!): Product }
    type User { id: ID! email: String! }
    type Product { id: ID! title: String! }
    enum Role { ADMIN CUSTOMER }
  `);

  it("accepts a superset", () => {
    const api = buildSchema(`
      type Query { me: User product(id: ID!): Product extra: Int }
      type User { id: ID! email: String! name: String }
      type Product { id: ID! title: String! }
      enum Role { ADMIN CUSTOMER }
    `);
    expect(checkContract(contract, api, [])).toEqual({
      shapeChanges: [],
      newlyMissing: [],
      nowPresent: [],
      missing: [],
    });
  });

  it("tolerates listed missing fields and types, and reports unlisted and stale entries", () => {
    const api = buildSchema(`type Query { me: User } type User { id: ID! } enum Role { ADMIN CUSTOMER }`);
    const report = checkContract(contract, api, ["Product was removed.", "Query.orders was removed."]);
    expect(report.shapeChanges).toEqual([]);
    expect(report.newlyMissing).toEqual(["Query.product was removed.", "User.email was removed."]);
    expect(report.nowPresent).toEqual(["Query.orders was removed."]);
    expect(report.missing).toEqual(["Product was removed.", "Query.product was removed.", "User.email was removed."]);
    expect(formatContractReport(report)).toContain("remove from schema/contract-pending.json");
    expect(formatContractReport(report)).toContain(JSON.stringify(report.missing, null, 2));
  });

  it("always fails on shape changes, even when listed", () => {
    const api = buildSchema(`
      type Query { me: User! product(id: ID!, locale: String!): Product }
      type User { id: ID! email: Int! }
      type Product { id: ID! title: String! }
      enum Role { ADMIN }
    `);
    const report = checkContract(contract, api, []);
    expect(report.shapeChanges).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^FIELD_CHANGED_KIND: User\.email/),
        expect.stringMatching(/^VALUE_REMOVED_FROM_ENUM: CUSTOMER/),
        expect.stringMatching(/^REQUIRED_ARG_ADDED: A required arg locale/),
      ]),
    );
    expect(report.newlyMissing).toEqual([]);
  });
});

describe("committed supergraph", () => {
  it("equals a fresh composition of the subgraph SDLs (run `pnpm compose` if not)", (ctx) => {
    ctx.skip(isBootstrapping, BOOTSTRAP_REASON);
    const fresh = composeSupergraph();
    const path = join(REPO_ROOT, SUPERGRAPH_FILE);
    expect(existsSync(path), `${SUPERGRAPH_FILE} is missing: run \`pnpm compose\``).toBe(true);
    expect(isSameSdl(readFileSync(path, "utf8"), fresh), `${SUPERGRAPH_FILE} is stale: run \`pnpm compose\``).toBe(
      true,
    );
  });

  it("has its public API schema committed as schema/api.graphql, current and without internal fields", (ctx) => {
    ctx.skip(isBootstrapping, BOOTSTRAP_REASON);
    const fresh = composeSupergraph();
    const path = join(REPO_ROOT, API_SCHEMA_FILE);
    expect(existsSync(path), `${API_SCHEMA_FILE} is missing: run \`pnpm compose\``).toBe(true);
    const committed = readFileSync(path, "utf8");
    expect(isSameSdl(committed, apiSchemaSdl(fresh)), `${API_SCHEMA_FILE} is stale: run \`pnpm compose\``).toBe(true);
    // The supergraph has @inaccessible service-to-service fields; clients must not see them.
    const inaccessible = [...fresh.matchAll(/^\s+(\w+)(?:\([^)]*\))?: [^\n]*@inaccessible/gm)].map((m) => m[1]);
    expect(inaccessible.length).toBeGreaterThan(0);
    const api = buildSchema(committed);
    const fields = new Set(
      Object.values(api.getTypeMap()).flatMap((t) => ("getFields" in t ? Object.keys(t.getFields()) : [])),
    );
    for (const name of inaccessible)
      expect(fields.has(name!), `${name} is @inaccessible but in ${API_SCHEMA_FILE}`).toBe(false);
    expect(committed).not.toMatch(/join__|link__|@inaccessible/);
  });

  it("exposes an API schema compatible with shared/contract/api.graphql, minus contract-pending.json", (ctx) => {
    ctx.skip(!existsSync(CONTRACT_PATH), `contract not found at ${CONTRACT_PATH} (no ../shared beside the repository)`);
    ctx.skip(isBootstrapping, BOOTSTRAP_REASON);
    const contract = buildSchema(readFileSync(CONTRACT_PATH, "utf8"));
    const api = apiSchemaOf(composeSupergraph());
    const pending: unknown = JSON.parse(readFileSync(PENDING_PATH, "utf8"));
    expect(
      Array.isArray(pending) && pending.every((d) => typeof d === "string"),
      "contract-pending.json must be an array of strings",
    ).toBe(true);
    const report = checkContract(contract, api, pending as string[]);
    expect(formatContractReport(report)).toBe("");
  });
});
