import pg from "pg";
import { readMigrationFiles } from "./migration-files.ts";

/**
 * Names of the migration folders the database has not applied (finished, not rolled back), in
 * order. Read-only and lock-free: for processes that leave migrating to a separate Job and only
 * refuse to serve an older schema; it runs fine through a transaction-mode PgBouncer.
 */
export async function pendingMigrations(options: {
  connectionString: string;
  migrationsDir: string;
}): Promise<string[]> {
  const files = await readMigrationFiles(options.migrationsDir);
  const client = new pg.Client({
    connectionString: options.connectionString,
    application_name: "shopgraph-migrate-check",
  });
  client.on("error", () => {});
  await client.connect();
  try {
    const { rows: exists } = await client.query<{ table: string | null }>(
      `SELECT to_regclass('"_prisma_migrations"')::text AS "table"`,
    );
    if (!exists[0]?.table) return files.map((f) => f.name);
    const { rows } = await client.query<{ migration_name: string }>(
      `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const applied = new Set(rows.map((r) => r.migration_name));
    return files.map((f) => f.name).filter((name) => !applied.has(name));
  } finally {
    await client.end();
  }
}
