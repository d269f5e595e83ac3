import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// The workspace's manifests agree with each other: one exact version per dependency (two copies of a library
// in one process break instanceof checks and double the image), type packages only where nothing deploys
// them, and the Prisma packages that work together on one release line (ARCHITECTURE.md, pnpm knip).
const ROOT = join(import.meta.dirname, "..");
/** The workspace packages of pnpm-workspace.yaml, and the root. */
const dirs = [
  ".",
  "gateway",
  "schema",
  "bench",
  ...["packages", "subgraphs"].flatMap((parent) => readdirSync(join(ROOT, parent)).map((name) => `${parent}/${name}`)),
];

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const manifests = dirs
  .filter((dir) => existsSync(join(ROOT, dir, "package.json")))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")) as Manifest }));
/** Every declaration as [package dir, kind, name, version]. */
const declarations = manifests.flatMap(({ dir, manifest }) =>
  (["dependencies", "devDependencies"] as const).flatMap((kind) =>
    Object.entries(manifest[kind] ?? {}).map(([name, version]) => ({ dir, kind, name, version })),
  ),
);
const versionsOf = (name: string) => [...new Set(declarations.filter((d) => d.name === name).map((d) => d.version))];

describe("workspace dependency versions", () => {
  it("reads every workspace package", () => {
    expect(manifests.length).toBeGreaterThanOrEqual(20);
    expect(declarations.length).toBeGreaterThan(100);
  });

  it("pins exact versions (workspace packages by workspace:*)", () => {
    const ranges = declarations.filter((d) => !/^(\d+\.\d+\.\d+(-[\w.]+)?|workspace:\*)$/.test(d.version));
    expect(ranges.map((d) => `${d.dir}: ${d.name}@${d.version}`)).toEqual([]);
  });

  it("declares one version of each dependency across the workspace", () => {
    const split = [...new Set(declarations.map((d) => d.name))].filter((name) => versionsOf(name).length > 1);
    expect(split.map((name) => `${name}: ${versionsOf(name).join(", ")}`)).toEqual([]);
  });

  it("keeps @types/* in devDependencies (the image installs production dependencies only)", () => {
    const types = declarations.filter((d) => d.name.startsWith("@types/") && d.kind === "dependencies");
    expect(types.map((d) => `${d.dir}: ${d.name}`)).toEqual([]);
  });

  it("keeps Prisma on one release line: @prisma/client and @prisma/adapter-pg the same version, the CLI the same minor", () => {
    // @prisma/client has no 7.10.1 release while the stand-in schema engine needs CLI 7.10.1, so the CLI may be
    // a patch ahead; the runtime pair (client + adapter) must match exactly.
    const [client, ...otherClients] = versionsOf("@prisma/client");
    expect(otherClients).toEqual([]);
    expect(versionsOf("@prisma/adapter-pg")).toEqual([client]);
    const minor = (version: string) => version.split(".").slice(0, 2).join(".");
    expect(versionsOf("prisma").map(minor)).toEqual([minor(client!)]);
  });
});
