import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { cruise, type ICruiseResult, type IConfiguration } from "dependency-cruiser";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

// Each architecture rule must reject its violating fixture (a rule that matches nothing would pass the real tree
// silently), and let the allowed imports of the same miniature repository through.
const root = path.resolve(import.meta.dirname, "../..");
const fixtures = path.join(import.meta.dirname, "fixtures");
const config = createRequire(import.meta.url)(path.join(root, ".dependency-cruiser.cjs")) as IConfiguration;

/** Every rule violation of the fixture tree as `rule: from → to` (targets in node_modules by package name). */
async function violations(): Promise<string[]> {
  const { output } = await cruise(["gateway", "packages", "subgraphs"], {
    ...config.options,
    baseDir: fixtures,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
    outputType: "json",
  });
  const result = (typeof output === "string" ? JSON.parse(output) : output) as ICruiseResult;
  const shortTarget = (to: string) => to.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+)\/.*$/, "$1");
  return (result.summary.violations ?? []).map((v) => `${v.rule.name}: ${v.from} → ${shortTarget(v.to)}`).sort();
}

describe("architecture rules (.dependency-cruiser.cjs)", () => {
  it("reject each violating fixture and nothing else", async () => {
    expect(await violations()).toEqual(
      [
        "domain-to-prisma: subgraphs/alpha/src/domain/imports-prisma-package.ts → @prisma/client",
        "domain-to-prisma: subgraphs/alpha/src/domain/names-prisma-type.ts → subgraphs/alpha/src/db/generated/client.ts",
        "domain-to-prisma: subgraphs/alpha/src/domain/translates-prisma-errors.ts → packages/db/src/index.ts",
        "domain-to-resolvers-or-graphql: subgraphs/alpha/src/domain/imports-graphql.ts → graphql",
        "domain-to-resolvers-or-graphql: subgraphs/alpha/src/domain/imports-resolver-types.ts → subgraphs/alpha/src/generated/resolvers-types.ts",
        "domain-to-resolvers-or-graphql: subgraphs/alpha/src/domain/imports-resolver.ts → subgraphs/alpha/src/resolvers/Query.ts",
        "gateway-to-subgraph: gateway/src/server.ts → subgraphs/alpha/src/config.ts",
        "package-to-service: packages/kit/src/index.ts → subgraphs/alpha/src/db/client.ts",
        "production-to-dev-dependency: packages/kit/src/loads-dev-dependency.ts → vitest",
        "resolver-to-prisma: subgraphs/alpha/src/resolvers/Category.ts → subgraphs/alpha/src/db/generated/client.ts",
        "resolver-to-prisma: subgraphs/alpha/src/resolvers/Order.ts → pg",
        "resolver-to-prisma: subgraphs/alpha/src/resolvers/Product.ts → subgraphs/alpha/src/db/client.ts",
        "subgraph-to-other-subgraph: subgraphs/alpha/src/cross-subgraph.ts → subgraphs/beta/src/config.ts",
      ].sort(),
    );
  });

  it("every rule has a fixture that violates it", async () => {
    const fired = new Set((await violations()).map((line) => line.split(":")[0]));
    expect([...fired].sort()).toEqual((config.forbidden ?? []).map((rule) => rule.name).sort());
  });
});

describe("only config.ts reads process.env (eslint.config.js)", () => {
  // Only the env rules run (no type information needed); the fixture text is linted as if it sat at the repo path.
  const eslint = new ESLint({
    cwd: root,
    overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
    ruleFilter: ({ ruleId }) => ruleId === "no-restricted-properties" || ruleId === "no-restricted-syntax",
  });
  const lint = async (fixture: string, asPath: string) => {
    const text = await readFile(path.join(fixtures, fixture), "utf8");
    const [result] = await eslint.lintText(text, { filePath: path.join(root, asPath) });
    return (result?.messages ?? []).map((m) => `${m.line}:${m.ruleId}`);
  };

  it("rejects a property read, destructuring and the named import outside config.ts", async () => {
    expect(await lint("subgraphs/alpha/src/domain/reads-env.ts", "subgraphs/alpha/src/domain/reads-env.ts")).toEqual([
      "2:no-restricted-syntax",
      "3:no-restricted-properties",
      "3:no-restricted-syntax",
      "4:no-restricted-properties",
    ]);
  });

  it("lets a config.ts read the environment", async () => {
    expect(await lint("subgraphs/alpha/src/config.ts", "subgraphs/alpha/src/config.ts")).toEqual([]);
    // The same text anywhere else in src/ is refused: the exemption is by file, not by content.
    expect(await lint("subgraphs/alpha/src/config.ts", "subgraphs/alpha/src/settings.ts")).toEqual([
      "2:no-restricted-properties",
    ]);
  });
});
