import { defineConfig } from "vitest/config";

/** Where test files live; `suffix` is what the file name ends with before `.ts`. */
const testFiles = (suffix: string) =>
  ["{gateway,schema,scripts,bench,packages/*,subgraphs/*}/test/**/", "test/**/", "deploy/test/**/"].map(
    (dir) => `${dir}*.${suffix}.ts`,
  );
const EXCLUDE = ["**/node_modules/**", "**/.data/**"];
/** Kinds that talk to servers or processes; everything else named `*.test.ts` is a unit test. */
const SLOW_KINDS = ["int", "e2e", "faults"];
const UNIT_EXCLUDE = [...EXCLUDE, ...SLOW_KINDS.map((kind) => `**/*.${kind}.test.ts`)];
/**
 * Fault files that assert a latency or deadline bound (a p99, "within the deadline", "ready within
 * 3 s"): they run after the parallel batch, one at a time, so nothing else steals their CPU on 2 cores.
 * Every other fault file asserts outcomes only (nothing lost, nothing doubled, coded errors) and runs in
 * the parallel batch. A new fault file with a time bound belongs here.
 */
const TIMED_FAULTS = [
  "gateway/test/e2e/lifecycle.faults.test.ts",
  "gateway/test/e2e/redis-outage.faults.test.ts",
  "gateway/test/e2e/checkout-retries.faults.test.ts",
  "gateway/test/redis-fail-open.faults.test.ts",
  "subgraphs/products/test/cache.faults.test.ts",
  "subgraphs/users/test/login-throttle.faults.test.ts",
];
/**
 * End-to-end files that start an OpenTelemetry SDK in the test process (its loader hook must come before
 * pg and ioredis load, and there is one global tracer provider per process): a fresh process each.
 */
const E2E_TELEMETRY = ["gateway/test/e2e/observability.e2e.test.ts", "gateway/test/e2e/live-tracing.e2e.test.ts"];
/** Integration files asserting process-wide gauges (a sum over every list in the process): a fresh process each. */
const INT_PROCESS_GAUGES = ["packages/auth/test/revocations.int.test.ts"];
/** The replica suite: a dozen processes behind HAProxy, run alone at the end. */
const SCALE = ["deploy/test/replicas.e2e.test.ts"];
/** Unit files that install process-global state (the OpenTelemetry SDK) and need a process of their own. */
const PROCESS_GLOBAL = ["packages/telemetry/test/**/*.test.ts"];
/**
 * Files run at once in the parallel batch (unit, int, e2e). Vitest's default is one worker fewer than the
 * cores: one on this 2-core machine, which ran the whole suite one file after another (1,074 s in CI, the
 * int and e2e files only after faults and scale). Those files mostly wait on PostgreSQL, Redis, sockets and
 * child processes, so three at a time share two cores well. Fault injection and the replica suite keep one.
 */
const PARALLEL_FILES = 3;

/**
 * A project whose files share their worker's module cache (isolate: false), and its twin for the
 * `isolated` files, which each need a fresh process (process-global state); `isolatedExclude`
 * defaults to `exclude`.
 */
function sharedModuleProjects(
  name: string,
  isolatedName: string,
  include: string[],
  exclude: string[],
  isolated: string[],
  isolatedExclude: string[] = exclude,
) {
  return [
    { extends: true as const, test: { name, include, exclude: [...exclude, ...isolated], isolate: false } },
    { extends: true as const, test: { name: isolatedName, include: isolated, exclude: isolatedExclude } },
  ];
}

// One suite for the whole workspace in four projects: unit (*.test.ts), integration against real
// Postgres/Redis (*.int.test.ts), end-to-end through the gateway (*.e2e.test.ts) and fault injection
// on private servers (*.faults.test.ts). Every file provisions its own databases, key prefixes and
// ephemeral ports, so files run in parallel.
export default defineConfig({
  // Node resolves `graphql` to its CommonJS build (the package has no "exports"); Vite would pick
  // the .mjs one for our sources while Apollo's CJS packages load the .js one — two copies whose
  // classes fail each other's instanceof checks. Tests load what production loads.
  resolve: { alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }] },
  test: {
    pool: "forks",
    maxWorkers: PARALLEL_FILES,
    // @actions/workflow-parser imports its schema JSON without `with { type: "json" }`, which Node refuses;
    // inlined, Vite loads it (test/github-workflow.test.ts).
    server: { deps: { inline: ["@actions/workflow-parser"] } },
    // `vitest run` runs every project; `pnpm test:unit|int|e2e|faults` pick one (`--project`; `faults*` both fault projects).
    projects: [
      // Unit files share their worker's module cache (isolate: false): half the unit wall time was imports.
      // Safe because they keep no process-global state, except the OpenTelemetry tests (one global SDK per
      // process), which keep a fresh process each in `unit-isolated`. `--project 'unit*'` runs both.
      ...sharedModuleProjects("unit", "unit-isolated", testFiles("test"), UNIT_EXCLUDE, PROCESS_GLOBAL),
      // Integration files share their worker's module cache too (~1 CPU s of imports saved per file); each
      // still provisions its own databases, Redis prefix and ports.
      ...sharedModuleProjects("int", "int-isolated", testFiles("int.test"), EXCLUDE, INT_PROCESS_GAUGES),
      // The e2e files each start the whole stack in their worker: sharing the worker's module cache
      // (isolate: false) saves loading the gateway, four subgraphs and Prisma again for every file
      // (~1.3 CPU s each). Each file still starts its own servers over its own databases and Redis prefix.
      ...sharedModuleProjects(
        "e2e",
        "e2e-telemetry",
        testFiles("e2e.test"),
        [...EXCLUDE, ...SCALE],
        E2E_TELEMETRY,
        EXCLUDE,
      ),
      // Fault injection without time bounds joins the parallel batch (its servers are private too).
      {
        extends: true,
        test: { name: "faults", include: testFiles("faults.test"), exclude: [...EXCLUDE, ...TIMED_FAULTS] },
      },
      // Timed fault files and the replica suite assert latency and recovery bounds: they run after the
      // parallel batch (sequence.groupOrder), one file at a time, so nothing steals their CPU on 2 cores.
      {
        extends: true,
        test: {
          name: "faults-timed",
          include: TIMED_FAULTS,
          exclude: EXCLUDE,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: { name: "scale", include: SCALE, exclude: EXCLUDE, maxWorkers: 1, sequence: { groupOrder: 2 } },
      },
    ],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    env: { APOLLO_TELEMETRY_DISABLED: "true" },
  },
});
