import { defineConfig } from "vitest/config";

// One suite for the whole workspace: unit (*.test.ts), integration against real Postgres/Redis
// (*.int.test.ts) and end-to-end through the gateway (*.e2e.test.ts). Every file provisions its
// own databases, key prefixes and ephemeral ports, so files run in parallel.
export default defineConfig({
  // Node resolves `graphql` to its CommonJS build (the package has no "exports"); Vite would pick
  // the .mjs one for our sources while Apollo's CJS packages load the .js one — two copies whose
  // classes fail each other's instanceof checks. Tests load what production loads.
  resolve: { alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }] },
  test: {
    include: ["{gateway,schema,scripts,packages/*,subgraphs/*}/test/**/*.test.ts", "test/**/*.test.ts", "deploy/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/.data/**"],
    pool: "forks",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    env: { APOLLO_TELEMETRY_DISABLED: "true" },
  },
});
