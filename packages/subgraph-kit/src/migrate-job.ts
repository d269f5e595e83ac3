import { baseEnv, configOrExit, envUrl, loadConfig, z } from "@shopgraph/config";
import { applyMigrations } from "@shopgraph/db";
import { createLogger } from "@shopgraph/logger";

// The migration Job is a deployable of its own with a much smaller environment than its service
// (no keys, no Redis): its config is read here, the only place it touches process.env.
const schema = z
  .object({
    NODE_ENV: baseEnv.NODE_ENV,
    LOG_LEVEL: baseEnv.LOG_LEVEL,
    /** A direct connection (not a transaction-mode PgBouncer: the advisory lock is session-level). */
    DATABASE_MIGRATION_URL: envUrl(),
    /** Used when DATABASE_MIGRATION_URL is unset. */
    DATABASE_URL: envUrl(),
  })
  .superRefine((env, ctx) => {
    if (!env.DATABASE_MIGRATION_URL && !env.DATABASE_URL)
      ctx.addIssue({ code: "custom", path: ["DATABASE_URL"], message: "required (or DATABASE_MIGRATION_URL)" });
  });

/** The migration Job's validated configuration. */
export function loadMigrateJobConfig(service: string, env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(`${service} migrations`, schema, env);
  return Object.freeze({ ...config, url: (config.DATABASE_MIGRATION_URL ?? config.DATABASE_URL)! });
}

/**
 * Entry point of a subgraph's migration Job (`node subgraphs/<name>/src/migrate.ts`): applies the
 * pending migrations under the advisory lock, so concurrent Jobs and starting pods queue instead of
 * racing, logs what it applied and exits 0; any failure exits 1 so the Job (and the rollout) stops.
 */
export async function runMigrationJob(service: string, migrationsDir: string): Promise<void> {
  const config = configOrExit(() => loadMigrateJobConfig(service));
  const logger = createLogger({ service: `${service}-migrate`, level: config.LOG_LEVEL });
  try {
    const applied = await applyMigrations({ connectionString: config.url, migrationsDir, logger });
    logger.info(
      { applied, count: applied.length },
      applied.length ? "migrations applied" : "database already up to date",
    );
  } catch (error) {
    logger.error({ err: error }, "migrations failed");
    process.exitCode = 1;
  }
}
