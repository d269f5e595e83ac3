import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// No Docker engine runs here, so the image build is checked by reading the Dockerfile: a COPY of a path that
// is gone (the patches folder once was) fails the build on every runner, and only there.
const ROOT = join(import.meta.dirname, "..");
const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
// Continuation lines joined, comments dropped: one instruction per entry.
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#"));

/** The build-context sources of each COPY (not COPY --from, which copies between stages). */
function copySources(lines: readonly string[]): string[] {
  return lines
    .filter((line) => /^COPY\s/i.test(line) && !/--from=/.test(line))
    .flatMap((line) => {
      const args = line
        .split(/\s+/)
        .slice(1)
        .filter((arg) => !arg.startsWith("--"));
      return args.slice(0, -1);
    });
}

describe("Dockerfile", () => {
  it("copies only paths that exist in the repository", () => {
    const sources = copySources(instructions);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(existsSync(join(ROOT, source)), source).toBe(true);
  });

  it("is checked for real: a COPY of a missing path is found", () => {
    const sources = copySources([
      "COPY --chown=node:node no-such-folder other.json ./",
      "COPY --from=install /app /app",
    ]);
    expect(sources).toEqual(["no-such-folder", "other.json"]);
    expect(existsSync(join(ROOT, "no-such-folder"))).toBe(false);
  });

  it("installs production dependencies only, for the services", () => {
    const install = instructions.find((line) => line.includes("pnpm install"));
    expect(install).toMatch(/--prod\b/);
    expect(install).toMatch(/--frozen-lockfile/);
    expect(install).toContain('--filter "@shopgraph/gateway..."');
  });
});
