import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { provisionDatabase, testLogger } from "@shopgraph/testing";
import { startUsersSubgraph } from "../src/app.ts";
import { loadUsersConfig } from "../src/config.ts";

/** Migrations of the users subgraph (tests migrate with the project's own runner). */
export const USERS_MIGRATIONS = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

/** Starts a users subgraph on an ephemeral port over its own fresh, seeded database. */
export async function startTestUsers(env: Record<string, string> = {}) {
  const database = await provisionDatabase("users", USERS_MIGRATIONS);
  const dataDir = await mkdtemp(join(tmpdir(), "sgt-users-"));
  const config = loadUsersConfig({
    NODE_ENV: "test",
    PORT: "0",
    DATABASE_URL: database.url,
    DATABASE_POOL_MAX: String(database.poolMax),
    DATA_DIR: dataDir,
    SEED: "true",
    ...env,
  });
  const subgraph = await startUsersSubgraph(config, { logger: testLogger("users") });
  return {
    ...subgraph,
    graphqlUrl: `${subgraph.url}/graphql`,
    config,
    async close() {
      await subgraph.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
