import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSchema, Kind, parse, validate } from "graphql";
import type { DocumentNode } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_EXAMPLE_DIR, runClientCodegen, staleFiles } from "../client-example/generate.ts";
import type { GeneratedFile } from "../client-example/generate.ts";
import * as generated from "../client-example/src/gql/graphql.ts";

const API_SCHEMA = join(import.meta.dirname, "../api.graphql");
const apiSchema = buildSchema(readFileSync(API_SCHEMA, "utf8"));
const PERSISTED_OPERATIONS = join(import.meta.dirname, "../persisted-queries/operations");

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "sg-client-codegen-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Runs the client preset of codegen.ts on `documents` (absolute globs), generating into the scratch folder. */
function codegenOn(documents: string[]): Promise<GeneratedFile[]> {
  return runClientCodegen({ schema: API_SCHEMA, documents }, scratch);
}

const fileNamed = (files: GeneratedFile[], name: string) =>
  files.find((f) => f.filename.endsWith(`/${name}`))?.content ?? "";

describe("the client-preset config (schema/client-example/codegen.ts)", () => {
  it("produces the committed typed documents for the sample app (run `pnpm codegen:client` when this fails)", async () => {
    const files = await runClientCodegen();
    expect(files.map((f) => f.filename.slice(CLIENT_EXAMPLE_DIR.length + 1)).sort()).toEqual([
      "src/gql/fragment-masking.ts",
      "src/gql/gql.ts",
      "src/gql/graphql.ts",
      "src/gql/index.ts",
    ]);
    expect(staleFiles(files)).toEqual([]);
  });

  it("types every sample operation as a TypedDocumentNode whose document validates against the public API schema", () => {
    const documents: Record<string, DocumentNode> = {
      Catalog: generated.CatalogDocument,
      PlaceOrder: generated.PlaceOrderDocument,
      MyOrders: generated.MyOrdersDocument,
    };
    for (const [name, document] of Object.entries(documents)) {
      const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
      expect(operation && operation.kind === Kind.OPERATION_DEFINITION ? operation.name?.value : undefined).toBe(name);
      // The fragment the page spreads travels inside its document (fragment masking hides only its types).
      expect(validate(apiSchema, document)).toEqual([]);
    }
    const spread = generated.CatalogDocument.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION);
    expect(spread?.kind === Kind.FRAGMENT_DEFINITION ? spread.name.value : undefined).toBe("ProductCard");
    const fragment = generated.ProductCardFragmentDoc.definitions[0];
    expect(fragment?.kind === Kind.FRAGMENT_DEFINITION ? fragment.typeCondition.name.value : undefined).toBe("Product");
  });

  it("generates typed documents for every operation the mobile apps persist", async () => {
    const files = await codegenOn([join(PERSISTED_OPERATIONS, "*.graphql")]);
    const types = fileNamed(files, "graphql.ts");
    const names = readdirSync(PERSISTED_OPERATIONS).filter((f) => f.endsWith(".graphql"));
    expect(names.length).toBeGreaterThan(3);
    for (const file of names) {
      const document = parse(readFileSync(join(PERSISTED_OPERATIONS, file), "utf8"));
      for (const definition of document.definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION || !definition.name) continue;
        const name = definition.name.value;
        const suffix = definition.operation === "mutation" ? "Mutation" : "Query";
        expect(types).toContain(`export const ${name}Document = {"kind":"Document"`);
        expect(types).toMatch(new RegExp(`export type ${name}${suffix} = `));
        expect(types).toContain(`as unknown as DocumentNode<${name}${suffix}, ${name}${suffix}Variables>`);
      }
    }
  });

  it("refuses an operation that selects an internal (@inaccessible) field, and one with an unknown field", async () => {
    const internal = join(scratch, "internal.graphql");
    await writeFile(internal, 'mutation Steal { reserveStock(orderId: "o1", lines: []) { __typename } }\n');
    await expect(codegenOn([internal])).rejects.toThrow(/reserveStock/);
    const unknown = join(scratch, "unknown.graphql");
    await writeFile(unknown, "query Typo { products(first: 1) { edges { node { titel } } } }\n");
    await expect(codegenOn([unknown])).rejects.toThrow(/titel/);
  });
});
