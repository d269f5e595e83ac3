import { fileURLToPath } from "node:url";
import { defineConfig } from "prisma/config";

// The native schema engine cannot be downloaded offline; the workspace's stand-in serves the CLI
// (generate, migrate dev/diff). A PRISMA_SCHEMA_ENGINE_BINARY already set (a native engine) wins.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(
  new URL("../../../shared/tools/prisma-schema-engine/schema-engine.mjs", import.meta.url),
);

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/shopgraph_users" },
});
