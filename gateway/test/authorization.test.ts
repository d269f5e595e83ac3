import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApolloGateway } from "@apollo/gateway";
import { buildSchema, parse, type GraphQLObjectType, type GraphQLSchema } from "graphql";
import { describe, expect, it } from "vitest";
import { POLICY_NAMES, SCOPES, scopesForRole, type AccessSubject, type Viewer } from "@shopgraph/auth";
import { subjectKey } from "@shopgraph/auth";
import { supergraphAccess as createAccessAnalyzer } from "../src/authorization/supergraph-access.ts";
import { stripSecurityLinks } from "../src/authorization/strip-security-links.ts";

const SUPERGRAPH = readFileSync(join(import.meta.dirname, "..", "..", "schema", "supergraph.graphql"), "utf8");
const silent = { debug() {}, info() {}, warn() {}, error() {} };

const subject = (scopes: readonly string[], role: Viewer["role"] = "CUSTOMER", clientId?: string): AccessSubject => ({
  viewer: { id: randomUUID(), role, tokenId: randomUUID(), scopes: new Set(scopes), ...(clientId ? { clientId } : {}) },
  isService: false,
});
const anonymous: AccessSubject = { viewer: null, isService: false };

async function loads(supergraphSdl: string) {
  const gateway = new ApolloGateway({ supergraphSdl, logger: silent });
  try {
    const { schema } = await gateway.load();
    return schema;
  } finally {
    await gateway.stop();
  }
}

describe("the supergraph for Apollo's planner", () => {
  it("declares access with Federation's SECURITY specs, which @apollo/gateway refuses as they are", async () => {
    for (const spec of ["authenticated", "requiresScopes", "policy"])
      expect(SUPERGRAPH).toContain(`@link(url: "https://specs.apollo.dev/${spec}/v0.1", for: SECURITY)`);
    await expect(loads(SUPERGRAPH)).rejects.toThrow(/is for: SECURITY but is unsupported/);
  });

  it("loads stripped of those links, directives and types, with the very same API schema", async () => {
    const stripped = stripSecurityLinks(SUPERGRAPH);
    expect(stripped).not.toMatch(
      /@requiresScopes|@policy|@authenticated|requiresScopes__Scope|policy__Policy|authenticated\/v/,
    );
    // @inaccessible is a SECURITY link Apollo implements: it stays, and the service-only mutations stay hidden.
    expect(stripped).toContain('@link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)');
    const schema = await loads(stripped);
    expect(schema.getQueryType()?.getFields().orders?.type.toString()).toBe("OrderConnection!");
    expect(schema.getType("User")?.toString()).toBe("User");
    // The client-facing root fields are exactly those of the committed API schema.
    const api = buildSchema(readFileSync(join(import.meta.dirname, "..", "..", "schema", "api.graphql"), "utf8"));
    for (const root of ["Query", "Mutation"] as const) {
      const fields = (s: GraphQLSchema) => Object.keys((s.getType(root) as GraphQLObjectType).getFields()).sort();
      expect(fields(schema)).toEqual(fields(api));
    }
  });

  it("leaves a supergraph without SECURITY links untouched", () => {
    const plain = 'schema @link(url: "https://specs.apollo.dev/link/v1.0") { query: Query }\ntype Query { a: Int }\n';
    expect(stripSecurityLinks(plain)).toBe(plain);
  });

  it("uses only the scopes and policies Shopgraph knows", () => {
    const scopes = [...SUPERGRAPH.matchAll(/@requiresScopes\(scopes: (\[\[.*?\]\])\)/g)]
      .flatMap((m) => JSON.parse(m[1]!) as string[][])
      .flat();
    const policies = [...SUPERGRAPH.matchAll(/@policy\(policies: (\[\[.*?\]\])\)/g)]
      .flatMap((m) => JSON.parse(m[1]!) as string[][])
      .flat();
    expect(scopes.length).toBeGreaterThan(10);
    expect(new Set(scopes).size).toBeGreaterThan(4);
    for (const s of scopes) expect(SCOPES).toContain(s);
    for (const p of policies) expect(POLICY_NAMES).toContain(p);
  });
});

describe("the original supergraph's access decisions", () => {
  const analyzer = createAccessAnalyzer(SUPERGRAPH);
  const decide = (query: string, who: AccessSubject) => analyzer.decide(query, parse(query), undefined, who);

  it("removes orders from a read_products-only token, keeping the catalog: FORBIDDEN at order", () => {
    const query = `{ products(first: 2) { edges { node { title } } } order(id: "x") { number } }`;
    const decision = decide(query, subject(["read_products"]));
    expect(decision.rejected).toBe(false);
    expect(decision.removals).toEqual([expect.objectContaining({ code: "FORBIDDEN", path: ["order"] })]);
    expect(decision.queryHash).toMatch(/^[0-9a-f]{64}$/);
    expect(decision.queryHash).not.toBe(
      decide(`{ products(first: 2) { edges { node { title } } } }`, subject(["read_products"])).queryHash ?? "same",
    );
  });

  it("keeps orders for read_orders and removes customer emails without read_customers", () => {
    const query = `{ orders(first: 5) { edges { node { number customer { name email } } } } }`;
    const app = decide(query, subject(["read_orders"], "ADMIN", "erp-sync"));
    expect(app.removals).toEqual([
      expect.objectContaining({ code: "FORBIDDEN", path: ["orders", "edges", "node", "customer", "email"] }),
    ]);
    expect(decide(query, subject(["read_orders", "read_customers"], "ADMIN", "erp-sync")).removals).toEqual([]);
  });

  it("answers anonymous callers UNAUTHENTICATED and rejects an operation with nothing left", () => {
    const decision = decide(`{ orders { totalCount } me { id } }`, anonymous);
    expect(decision.removals).toEqual([expect.objectContaining({ code: "UNAUTHENTICATED", path: ["orders"] })]);
    expect(decide(`{ orders { totalCount } }`, anonymous).rejected).toBe(true);
    // Login answers with the signed-in user's email: customer_data lets anonymous callers through (users checks the session).
    expect(
      decide(`mutation { login(input: { email: "a", password: "b" }) { session { user { email } } } }`, anonymous)
        .removals,
    ).toEqual([]);
  });

  it("applies policies: admin for deliveries and role changes, first-party sessions for passwords", () => {
    const customer = [...scopesForRole("CUSTOMER")];
    expect(decide(`{ deliveries { totalCount } me { id } }`, subject(customer)).removals.map((r) => r.path)).toEqual([
      ["deliveries"],
    ]);
    const admin = [...scopesForRole("ADMIN")];
    expect(
      decide(`mutation { setUserRole(userId: "u", role: ADMIN) { userErrors { code } } }`, subject(admin, "ADMIN"))
        .removals,
    ).toEqual([]);
    expect(
      decide(
        `mutation { setUserRole(userId: "u", role: ADMIN) { userErrors { code } } }`,
        subject(admin, "ADMIN", "app"),
      ).rejected,
    ).toBe(true);
    expect(
      decide(
        `mutation { changePassword(input: { currentPassword: "a", newPassword: "b" }) { success } }`,
        subject(customer, "CUSTOMER", "app"),
      ).rejected,
    ).toBe(true);
  });

  it("caches one decision per document and kind of caller, not per viewer", () => {
    const query = `{ me { id email } }`;
    const before = analyzer.size;
    const a = decide(query, subject(["read_products"]));
    expect(decide(query, subject(["read_products"]))).toBe(a);
    expect(decide(query, subject(["read_products", "read_customers"]))).not.toBe(a);
    expect(analyzer.size).toBe(before + 2);
    expect(subjectKey(subject(["b", "a"]))).toBe(subjectKey(subject(["a", "b"])));
    expect(subjectKey(subject(["a"], "CUSTOMER", "app"))).not.toBe(subjectKey(subject(["a"])));
  });

  it("evicts the oldest decision beyond maxEntries", () => {
    const small = createAccessAnalyzer(SUPERGRAPH, { maxEntries: 2 });
    for (const field of ["id", "name", "role"]) small.decide(field, parse(`{ me { ${field} } }`), undefined, anonymous);
    expect(small.size).toBe(2);
  });
});
