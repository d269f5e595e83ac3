import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * Writes a bench's report as `<out>.md` (committed) and its raw data as `<out>.raw.json`
 * (gitignored), prints the report and returns the absolute path without extension.
 */
export function writeBenchResults(out: string, markdown: string, raw: unknown): string {
  const path = resolve(out);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.md`, markdown);
  writeFileSync(`${path}.raw.json`, JSON.stringify(raw, null, 1));
  process.stdout.write(`${markdown}\n`);
  return path;
}
