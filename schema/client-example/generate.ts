// Runs the client preset (codegen.ts) on the sample app in src/ and writes src/gql/.
//
//   node schema/client-example/generate.ts           # (pnpm codegen:client) writes src/gql/
//   node schema/client-example/generate.ts --check   # exits 1 when the committed src/gql/ is stale
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { generate } from "@graphql-codegen/cli";
import type { CodegenConfig } from "@graphql-codegen/cli";
import config from "./codegen.ts";

/** This folder: the sample app's root, where codegen.ts's paths start. */
export const CLIENT_EXAMPLE_DIR = import.meta.dirname;

/** One generated file: its absolute path and content. */
export interface GeneratedFile {
  filename: string;
  content: string;
}

/**
 * Runs GraphQL Code Generator in memory with `overrides` on top of codegen.ts (tests point
 * `documents` elsewhere). Rejects when an operation does not validate against the schema.
 */
export async function runClientCodegen(
  overrides: Partial<CodegenConfig> = {},
  cwd = CLIENT_EXAMPLE_DIR,
): Promise<GeneratedFile[]> {
  // silent: the CLI's listr renderer writes progress to the terminal; errors still reject.
  const files: { filename: string; content: string }[] = await generate(
    { ...config, ...overrides, cwd, silent: true, verbose: false },
    false,
  );
  return files.map((file) => ({ filename: join(cwd, file.filename), content: file.content }));
}

/** The generated files whose committed copy differs (or is missing). */
export function staleFiles(files: readonly GeneratedFile[]): string[] {
  return files
    .filter((f) => !existsSync(f.filename) || readFileSync(f.filename, "utf8") !== f.content)
    .map((f) => f.filename);
}

if (import.meta.main) {
  const files = await runClientCodegen();
  const check = process.argv.includes("--check");
  const stale = staleFiles(files);
  if (check) {
    if (stale.length > 0) {
      console.error(`stale: ${stale.map((f) => relative(process.cwd(), f)).join(", ")}; run \`pnpm codegen:client\``);
      process.exit(1);
    }
    console.log(`client codegen: ${files.length} files current`);
  } else {
    for (const file of files) {
      mkdirSync(dirname(file.filename), { recursive: true });
      writeFileSync(file.filename, file.content);
    }
    console.log(`client codegen: wrote ${files.map((f) => relative(process.cwd(), f.filename)).join(", ")}`);
  }
}
