// Composes the four subgraph SDLs into schema/supergraph.graphql, the file the gateway loads, and
// prints its public API schema to schema/api.graphql, the file frontend codegen reads.
//
//   node schema/compose.ts           # (pnpm compose) writes both files
//   node schema/compose.ts --check   # exits 1 when a committed file is stale (CI and tests)
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { composeServices } from "@apollo/composition";
import { DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES, printSchema, Supergraph } from "@apollo/federation-internals";
import { parse } from "graphql";

/** A subgraph to compose: its folder name under subgraphs/ and its routing URL. */
export interface SubgraphSource {
  name: string;
  url: string;
}

/** The repository root (this file lives in <root>/schema/). */
export const REPO_ROOT = resolve(import.meta.dirname, "..");

/** Where the composed supergraph is committed, relative to the repository root. */
export const SUPERGRAPH_FILE = "schema/supergraph.graphql";

/** The public API schema (what clients can query: no `@inaccessible` fields), for frontend codegen. */
export const API_SCHEMA_FILE = "schema/api.graphql";

// The routing URLs baked into the file are the local-development defaults; the gateway replaces
// them at runtime from USERS_URL/PRODUCTS_URL/... so the committed file is environment-neutral.
/** The subgraphs of Shopgraph in a fixed order (the order is part of the output). */
export const SUBGRAPHS: readonly SubgraphSource[] = [
  { name: "users", url: "http://127.0.0.1:4001/graphql" },
  { name: "products", url: "http://127.0.0.1:4002/graphql" },
  { name: "orders", url: "http://127.0.0.1:4003/graphql" },
  { name: "notifications", url: "http://127.0.0.1:4004/graphql" },
];

/** Path of a subgraph's SDL file under a repository root. */
export function subgraphSdlPath(root: string, name: string): string {
  return join(root, "subgraphs", name, "src", "schema.graphql");
}

/**
 * Composes `<root>/subgraphs/<name>/src/schema.graphql` for each subgraph and returns the
 * supergraph SDL (newline-terminated); throws listing every missing file or composition error.
 */
export function composeSupergraph(root: string = REPO_ROOT, subgraphs: readonly SubgraphSource[] = SUBGRAPHS): string {
  const missing = subgraphs.map((s) => subgraphSdlPath(root, s.name)).filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(
      `cannot compose the supergraph, missing subgraph SDL:\n${missing.map((p) => `  - ${relative(root, p)}`).join("\n")}`,
    );
  }
  const services = subgraphs.map((s) => {
    const path = subgraphSdlPath(root, s.name);
    try {
      return { name: s.name, url: s.url, typeDefs: parse(readFileSync(path, "utf8")) };
    } catch (error) {
      // A syntax error would otherwise surface without saying which of the files it is in.
      throw new Error(`cannot parse ${relative(root, path)}: ${(error as Error).message}`, { cause: error });
    }
  });
  const result = composeServices(services);
  if (result.errors) {
    const lines = result.errors.map((e) => `  - ${e.message}`);
    throw new Error(`supergraph composition failed with ${result.errors.length} error(s):\n${lines.join("\n")}`);
  }
  return result.supergraphSdl.endsWith("\n") ? result.supergraphSdl : `${result.supergraphSdl}\n`;
}

/**
 * The supergraph features the API schema is built with: Apollo's defaults plus the authorization
 * specs (`for: SECURITY`), which Shopgraph enforces itself (gateway/src/authorization).
 */
export const SUPPORTED_FEATURES: ReadonlySet<string> = new Set([
  ...DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES,
  "https://specs.apollo.dev/authenticated/v0.1",
  "https://specs.apollo.dev/requiresScopes/v0.1",
  "https://specs.apollo.dev/policy/v0.1",
]);

/** The client-facing API schema of a supergraph, printed (newline-terminated). */
export function apiSchemaSdl(supergraphSdl: string): string {
  const sdl = printSchema(
    Supergraph.build(supergraphSdl, { supportedFeatures: new Set(SUPPORTED_FEATURES) }).apiSchema(),
  );
  return sdl.endsWith("\n") ? sdl : `${sdl}\n`;
}

/** Whether two SDL texts are the same file content (line endings ignored: git may convert them). */
export function isSameSdl(a: string, b: string): boolean {
  return a.replace(/\r\n/g, "\n") === b.replace(/\r\n/g, "\n");
}

/** CLI: write the supergraph, or with `--check` exit 1 when the committed one is stale. */
function main(argv: readonly string[]): number {
  let sdl: string;
  try {
    sdl = composeSupergraph();
  } catch (error) {
    console.error(`compose: ${(error as Error).message}`);
    return 1;
  }
  const outputs = [
    { file: SUPERGRAPH_FILE, sdl },
    { file: API_SCHEMA_FILE, sdl: apiSchemaSdl(sdl) },
  ];
  if (argv.includes("--check")) {
    let status = 0;
    for (const { file, sdl: fresh } of outputs) {
      const path = join(REPO_ROOT, file);
      if (!existsSync(path)) {
        console.error(`compose: ${file} does not exist; run \`pnpm compose\` and commit it`);
        status = 1;
      } else if (!isSameSdl(readFileSync(path, "utf8"), fresh)) {
        console.error(`compose: ${file} is stale (the subgraph SDLs changed); run \`pnpm compose\` and commit it`);
        status = 1;
      } else console.log(`compose: ${file} is up to date`);
    }
    return status;
  }
  for (const { file, sdl: fresh } of outputs) writeFileSync(join(REPO_ROOT, file), fresh);
  console.log(
    `compose: wrote ${outputs.map((o) => o.file).join(" and ")} (${SUBGRAPHS.map((s) => s.name).join(", ")})`,
  );
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
