// The architecture's allowed arrows, checked by dependency-cruiser (`pnpm lint:arch`). ARCHITECTURE.md explains
// each rule; test/architecture/rules.test.ts proves that each one rejects a violating fixture. Paths are relative
// to the directory the cruise starts from (the repository root, or a fixture tree in the test). Workspace
// packages resolve through their symlinks to their real folders, so `@shopgraph/x` is seen as `packages/x/…`.

/** A subgraph's production source (its tests may reach further, see the gateway rule). */
const SUBGRAPH_SRC = "^subgraphs/[^/]+/src/";
/**
 * The database layer: Prisma's npm packages (also through pnpm's store path), each subgraph's generated client,
 * @shopgraph/db (driver adapter, Prisma error translation) and the pg driver itself.
 */
const PRISMA = ["(^|/)@prisma[/+]", "(^|/)prisma/", "(^|/)db/generated/", "^packages/db/", "(^|/)pg(/|@|$)"];

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "subgraph-to-other-subgraph",
      comment:
        "A subgraph never imports another subgraph: they are separate deployables that talk over GraphQL/HTTP " +
        "and events. Shared code belongs in packages/. Tests may start several services together (that is " +
        "what end-to-end and fault tests are for), so the rule holds for src/.",
      severity: "error",
      from: { path: "^subgraphs/([^/]+)/src/" },
      to: { path: "^subgraphs/", pathNot: "^subgraphs/$1/" },
    },
    {
      name: "package-to-service",
      comment:
        "packages/* never imports a service (gateway or subgraph): shared code depends on nothing deployable, " +
        "so every service can take it without dragging another one along. Package tests may load a " +
        "subgraph's generated client as a real Prisma client to test against.",
      severity: "error",
      from: { path: "^packages/[^/]+/src/" },
      to: { path: "^(gateway|subgraphs)/" },
    },
    {
      name: "gateway-to-subgraph",
      comment:
        "The gateway never imports subgraph code outside its tests: it knows subgraphs only through the " +
        "composed supergraph and HTTP, so each can be deployed and scaled on its own.",
      severity: "error",
      from: { path: "^gateway/", pathNot: "^gateway/test/" },
      to: { path: "^subgraphs/" },
    },
    {
      name: "domain-to-resolvers-or-graphql",
      comment:
        "domain/ holds business rules as plain functions: no resolvers, no GraphQL (the graphql package, " +
        "Apollo, generated resolver types). The API shape can change without touching the rules.",
      severity: "error",
      from: { path: `${SUBGRAPH_SRC}domain/` },
      to: {
        path: [
          `${SUBGRAPH_SRC}resolvers/`,
          `${SUBGRAPH_SRC}generated/`,
          "(^|/)graphql(/|$)",
          "(^|/)@apollo[/+]",
          "(^|/)graphql-shield[/@]",
        ],
      },
    },
    {
      name: "domain-to-prisma",
      comment:
        "domain/ never names Prisma: it calls functions in db/ that take and return domain-owned types, and " +
        "may pass through an opaque Db/Tx handle (db/client.ts), never the client's API or its generated types.",
      severity: "error",
      from: { path: `${SUBGRAPH_SRC}domain/` },
      to: { path: PRISMA },
    },
    {
      name: "resolver-to-prisma",
      comment:
        "Resolvers are thin (parse, call domain or a db/ repository, map): they never hold the Prisma client " +
        "or its types, so every statement lives in db/ where Prisma errors are translated.",
      severity: "error",
      from: { path: `${SUBGRAPH_SRC}resolvers/` },
      to: { path: [...PRISMA, `${SUBGRAPH_SRC}db/client\\.ts$`] },
    },
    {
      name: "production-to-dev-dependency",
      comment:
        "The image installs production dependencies only (Dockerfile): deployed code that loads a " +
        "devDependency would fail at start in production. Type-only imports are erased and allowed; the " +
        "embedded PostgreSQL loader imports PGlite lazily for development and is the one exception, with " +
        "the initdb it runs as a child process for that development-only path.",
      severity: "error",
      from: {
        path: "^(gateway|subgraphs/[^/]+|packages/[^/]+)/src/",
        pathNot: ["^packages/testing/", "^packages/db/src/embedded-(postgres|initdb)\\.ts$"],
      },
      to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only"] },
    },
  ],
  options: {
    doNotFollow: { path: "(^|/)node_modules/" },
    // The architecture test's miniature repository breaks every rule on purpose.
    exclude: { path: ["(^|/)\\.data/", "^bench/results/", "^test/architecture/fixtures/"] },
    // Type-only imports count: a domain file that names a Prisma type depends on Prisma.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".js", ".mjs", ".cjs", ".d.ts", ".json"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
