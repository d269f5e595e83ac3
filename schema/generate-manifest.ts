// Builds the trusted-documents manifest for first-party mobile apps from the operations they ship.
//
//   node schema/generate-manifest.ts          # writes schema/persisted-queries/manifest.json
//   node schema/generate-manifest.ts --check  # exits 1 when the committed manifest is stale
//
// The output is Apollo's persisted query manifest format (what @apollo/generate-persisted-query-manifest
// writes): { format, version: 1, operations: [{ id: sha256(body), name, type, body }] }. Every
// operation is validated against the supergraph's API schema, so a manifest never promises an
// operation the gateway would reject.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Supergraph } from "@apollo/federation-internals";
import { Kind, parse, print, validate, type OperationDefinitionNode } from "graphql";
import { REPO_ROOT, SUPERGRAPH_FILE } from "./compose.ts";

/** Folder of `.graphql` operation files (one operation per file, fragments allowed). */
export const OPERATIONS_DIR = "schema/persisted-queries/operations";
/** The committed manifest the gateway loads. */
export const MANIFEST_FILE = "schema/persisted-queries/manifest.json";

/** Generates the manifest JSON text from the operations folder, validated against the supergraph. */
export function generateManifest(root: string = REPO_ROOT): string {
  const api = Supergraph.build(readFileSync(join(root, SUPERGRAPH_FILE), "utf8")).apiSchema().toGraphQLJSSchema();
  const dir = join(root, OPERATIONS_DIR);
  const operations = readdirSync(dir)
    .filter((file) => file.endsWith(".graphql"))
    .sort()
    .map((file) => {
      const document = parse(readFileSync(join(dir, file), "utf8"));
      const errors = validate(api, document);
      if (errors.length > 0) throw new Error(`${file}: ${errors.map((e) => e.message).join("; ")}`);
      const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
      if (ops.length !== 1 || !ops[0]?.name) throw new Error(`${file}: exactly one named operation per file`);
      const body = print(document);
      return { id: createHash("sha256").update(body).digest("hex"), name: ops[0].name.value, type: ops[0].operation, body };
    });
  return `${JSON.stringify({ format: "apollo-persisted-query-manifest", version: 1, operations }, null, 2)}\n`;
}

if (import.meta.main) {
  const file = join(REPO_ROOT, MANIFEST_FILE);
  const manifest = generateManifest();
  if (process.argv.includes("--check")) {
    if (!existsSync(file) || readFileSync(file, "utf8") !== manifest) {
      console.error(`${MANIFEST_FILE} is stale: run \`node schema/generate-manifest.ts\``);
      process.exit(1);
    }
  } else {
    writeFileSync(file, manifest);
    console.log(`wrote ${MANIFEST_FILE}`);
  }
}
