// Builds the trusted-documents manifest for first-party apps from the operations they ship, with
// Apollo's own generator (@apollo/generate-persisted-query-manifest): an Apollo Client with an
// InMemoryCache transforms each document (adds `__typename` to every selection set, inlines
// fragments from the registry) and the bodies are what Apollo Client 4 prints and sends.
//
//   node schema/generate-manifest.ts          # (pnpm manifest) writes schema/persisted-queries/manifest.json
//   node schema/generate-manifest.ts --check  # exits 1 when the committed manifest is stale
//
// The config is schema/persisted-query-manifest.config.json, the generator's own format, so
// `npx generate-persisted-query-manifest -c schema/persisted-query-manifest.config.json` run from
// the repository root writes the same bytes. On top of the generator, every transformed body is
// validated against the supergraph's API schema: a manifest never promises an operation the
// gateway would reject.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { Supergraph } from "@apollo/federation-internals";
import { generatePersistedQueryManifest, type PersistedQueryManifest } from "@apollo/generate-persisted-query-manifest";
import { parse, validate } from "graphql";
import { REPO_ROOT, SUPERGRAPH_FILE, SUPPORTED_FEATURES } from "./compose.ts";

/** The generator's config file (paths in it are relative to the repository root). */
export const MANIFEST_CONFIG_FILE = "schema/persisted-query-manifest.config.json";
/** The committed manifest the gateway loads. */
export const MANIFEST_FILE = "schema/persisted-queries/manifest.json";

interface ManifestConfig {
  documents: string[];
  output: string;
}

/** Reads the generator config with its globs made absolute (the generator resolves them against the cwd). */
function readConfig(root: string): ManifestConfig {
  const config = JSON.parse(readFileSync(join(root, MANIFEST_CONFIG_FILE), "utf8")) as ManifestConfig;
  const absolute = (pattern: string) => {
    const negated = pattern.startsWith("!");
    const path = negated ? pattern.slice(1) : pattern;
    return `${negated ? "!" : ""}${isAbsolute(path) ? path : join(root, path)}`;
  };
  return { documents: config.documents.map(absolute), output: config.output };
}

/** Throws listing every manifest operation the supergraph's API schema does not validate. */
export function assertValidOperations(manifest: PersistedQueryManifest, supergraphSdl: string): void {
  // The authorization specs' links (for: SECURITY) are enforced by the gateway itself: supported here too.
  const api = Supergraph.build(supergraphSdl, { supportedFeatures: new Set(SUPPORTED_FEATURES) })
    .apiSchema()
    .toGraphQLJSSchema();
  const problems = manifest.operations.flatMap((op) =>
    validate(api, parse(op.body)).map((e) => `${op.name}: ${e.message}`),
  );
  if (problems.length > 0)
    throw new Error(`persisted operations do not validate against ${SUPERGRAPH_FILE}:\n  ${problems.join("\n  ")}`);
}

/** The manifest as the generator's CLI writes it (2-space JSON, no trailing newline). */
export function manifestText(manifest: PersistedQueryManifest): string {
  return JSON.stringify(manifest, null, 2);
}

/**
 * Generates the manifest text from the operations folder, validated against the supergraph.
 * Note: on a parse error or a duplicate operation name the generator prints its report and exits the process.
 */
export async function generateManifest(root: string = REPO_ROOT): Promise<string> {
  const config = readConfig(root);
  const manifest = await generatePersistedQueryManifest(
    { documents: config.documents },
    join(root, MANIFEST_CONFIG_FILE),
  );
  assertValidOperations(manifest, readFileSync(join(root, SUPERGRAPH_FILE), "utf8"));
  return manifestText(manifest);
}

if (import.meta.main) {
  const file = join(REPO_ROOT, MANIFEST_FILE);
  const manifest = await generateManifest();
  if (process.argv.includes("--check")) {
    if (!existsSync(file) || readFileSync(file, "utf8") !== manifest) {
      console.error(`${MANIFEST_FILE} is stale: run \`pnpm manifest\` (node schema/generate-manifest.ts)`);
      process.exit(1);
    }
    console.log(`${MANIFEST_FILE} is current`);
  } else {
    writeFileSync(file, manifest);
    console.log(`wrote ${MANIFEST_FILE} (${JSON.parse(manifest).operations.length} operations)`);
  }
}
