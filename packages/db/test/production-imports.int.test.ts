import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const PROBE = fileURLToPath(new URL("./fixtures/pglite-probe.ts", import.meta.url));

/** PGlite modules resolved when a fresh process imports `files` (paths from the repository root). */
async function pgliteLoadedBy(...files: string[]): Promise<string[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [PROBE, ...files.map((f) => `${ROOT}${f}`)], {
    cwd: ROOT,
    env: { ...process.env },
  });
  return (JSON.parse(stdout.trim().split("\n").at(-1)!) as { pglite: string[] }).pglite;
}

// PGlite is a development dependency (absent from the production image): nothing a production process
// imports may reach it statically; only startEmbeddedPostgres loads it, when DATABASE_URL is unset.
describe("production code paths", () => {
  it("import no PGlite: @shopgraph/db, the subgraph kit and the four subgraphs' app modules", async () => {
    const apps = ["users", "products", "orders", "notifications"].map((name) => `subgraphs/${name}/src/app.ts`);
    expect(await pgliteLoadedBy("packages/db/src/index.ts", "packages/subgraph-kit/src/index.ts", ...apps)).toEqual([]);
  });

  it("is checked for real: the embedded server's own module does import PGlite", async () => {
    expect(await pgliteLoadedBy("packages/db/src/embedded-postgres.ts")).toEqual(
      expect.arrayContaining(["@electric-sql/pglite"]),
    );
  });
});
