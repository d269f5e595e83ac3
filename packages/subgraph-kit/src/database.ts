import { join } from "node:path";
import { applyMigrations, EMBEDDED_POOL_MAX, pendingMigrations, startEmbeddedPostgres } from "@shopgraph/db";
import type { Logger } from "@shopgraph/logger";

/** Options for {@link openDatabase}. */
export interface OpenDatabaseOptions {
  service: string;
  /** A real PostgreSQL URL; unset → embedded PGlite under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  migrationsDir: string;
  logger: Logger;
  /** Pool size for a real server. */
  poolMax?: number;
  /**
   * Apply pending migrations (default true). False (MIGRATE_ON_START=false: a migration Job ran them,
   * or DATABASE_URL goes through a transaction-mode PgBouncer where the advisory lock cannot hold):
   * only check, and refuse to start while any is pending. The embedded server always migrates.
   */
  migrate?: boolean;
}

/** A migrated database the subgraph can connect to. */
export interface OpenDatabase {
  url: string;
  poolMax: number;
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * Opens the subgraph's database — the configured server, or an embedded PostgreSQL when none is
 * configured — and applies pending migrations with the project's own runner.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenDatabase> {
  let url = options.databaseUrl;
  let close = async () => {};
  let poolMax = options.poolMax ?? 10;
  if (!url) {
    const dir = join(options.dataDir, options.service, "pglite");
    // One initdb for the four subgraphs of a DATA_DIR: the others copy the first one's template.
    const embedded = await startEmbeddedPostgres({
      dataDir: dir,
      templateDir: join(options.dataDir, "pglite-template"),
    });
    options.logger.info(
      { dataDir: dir, ...(embedded.initializedTemplate ? { initializedTemplate: true } : {}) },
      "no DATABASE_URL: using embedded PostgreSQL (PGlite)",
    );
    url = embedded.url;
    close = embedded.close;
    poolMax = EMBEDDED_POOL_MAX;
  }
  if (options.migrate === false && options.databaseUrl) {
    const pending = await pendingMigrations({ connectionString: url, migrationsDir: options.migrationsDir });
    if (pending.length > 0)
      throw new Error(
        `${options.service}: ${pending.length} migration(s) not applied (${pending.join(", ")}); run the migration Job first`,
      );
    return { url, poolMax, embedded: false, close };
  }
  const applied = await applyMigrations({
    connectionString: url,
    migrationsDir: options.migrationsDir,
    logger: options.logger,
  });
  if (applied.length > 0) options.logger.info({ applied }, "migrations applied");
  return { url, poolMax, embedded: !options.databaseUrl, close };
}
