import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSchema, parse, validate, type GraphQLSchema } from "graphql";
import { afterAll, describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../../src/config.ts";
import { loadManifests, type TrustedOperation } from "../../src/persisted/manifest.ts";

// Every manifest the gateway loads by default (the web one and each released app version's in
// schema/persisted-queries/apps/) must still be valid against the public API: a schema change
// that would break an app version still in use fails here, before it ships.
const api = buildSchema(readFileSync(fileURLToPath(new URL("../../../schema/api.graphql", import.meta.url)), "utf8"));
const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const tmp = mkdtempSync(join(tmpdir(), "sg-apps-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** "<name>: <message>" for every operation the schema does not validate. */
function invalidOperations(schema: GraphQLSchema, operations: Iterable<TrustedOperation>): string[] {
  return [...operations].flatMap((op) => validate(schema, parse(op.body)).map((e) => `${op.name}: ${e.message}`));
}

describe("trusted manifests against the public API schema", () => {
  it("loads the default manifests (web manifest.json and the apps/ folder when present), all valid", () => {
    const paths = loadGatewayConfig({ NODE_ENV: "test" }).PERSISTED_QUERY_MANIFESTS;
    expect(paths.map((p) => p.split("/").slice(-2).join("/"))).toEqual([
      "persisted-queries/manifest.json",
      "persisted-queries/apps",
    ]);
    const operations = loadManifests(paths.filter((p) => existsSync(p)));
    expect(operations.size).toBeGreaterThanOrEqual(7);
    expect(invalidOperations(api, operations.values())).toEqual([]);
  });

  it("names an app operation that uses a field the API no longer has", () => {
    const stale = 'query OldAppProduct { product(slug: "x") { id legacyRating } }';
    writeFileSync(
      join(tmp, "shopgraph-ios-1.0.0.json"),
      JSON.stringify({ [sha(stale)]: { name: "OldAppProduct", source: stale } }),
    );
    expect(invalidOperations(api, loadManifests([tmp]).values())).toEqual([
      'OldAppProduct: Cannot query field "legacyRating" on type "Product".',
    ]);
  });
});
