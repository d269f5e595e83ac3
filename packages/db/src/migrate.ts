import { randomUUID } from "node:crypto";
import pg from "pg";
import { MigrationError } from "./migration-error.ts";
import { checksumMatches, readMigrationFiles } from "./migration-files.ts";
import type { MigrationFile } from "./migration-files.ts";

/** Prisma's own advisory lock key, so our runner and `prisma migrate deploy` also exclude each other. */
export const MIGRATION_LOCK_KEY = 72707369;

/** The subset of a pino logger the runner uses; any `(obj, msg)` logger fits. */
export type MigrationLogger = {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
};

export type ApplyMigrationsOptions = {
  connectionString: string;
  /** A Prisma migrations folder: `<dir>/<timestamp>_<name>/migration.sql`. */
  migrationsDir: string;
  logger?: MigrationLogger;
};

type MigrationRow = {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
};

// Byte-for-byte the table Prisma's schema engine creates, so `prisma migrate status/deploy` read our rows.
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/**
 * Applies pending Prisma migrations with one connection (so it also works against embedded PGlite)
 * under Prisma's advisory lock; returns the names applied by this call, in order.
 */
export async function applyMigrations(options: ApplyMigrationsOptions): Promise<string[]> {
  const files = await readMigrationFiles(options.migrationsDir);
  const client = new pg.Client({ connectionString: options.connectionString, application_name: "shopgraph-migrate" });
  // A dropped connection also rejects the pending query; this only keeps the emitter from throwing.
  client.on("error", () => {});
  await client.connect();
  try {
    // Session-level lock: concurrent starters of the same service queue here instead of racing.
    await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    try {
      await client.query(CREATE_TABLE);
      return await applyPending(client, files, options.logger);
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

async function applyPending(
  client: pg.Client,
  files: Array<MigrationFile & { bytes: Buffer }>,
  logger: MigrationLogger | undefined,
): Promise<string[]> {
  const { rows } = await client.query<MigrationRow>(
    `SELECT id, checksum, migration_name, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`,
  );
  // Rolled-back rows are history only: Prisma treats those migrations as not applied.
  const live = rows.filter((r) => r.rolled_back_at === null);
  const failed = live.find((r) => r.finished_at === null);
  if (failed) {
    throw new MigrationError(
      "MIGRATION_PREVIOUSLY_FAILED",
      failed.migration_name,
      `migration ${failed.migration_name} started but never finished; inspect the database, then run ` +
        `\`prisma migrate resolve --rolled-back ${failed.migration_name}\` (or --applied) before retrying`,
    );
  }
  const appliedByName = new Map(live.map((r) => [r.migration_name, r]));
  const localNames = new Set(files.map((f) => f.name));
  for (const row of live) {
    if (!localNames.has(row.migration_name)) {
      logger?.warn({ migration: row.migration_name }, "migration recorded in the database is missing locally");
    }
  }

  const applied: string[] = [];
  for (const file of files) {
    const row = appliedByName.get(file.name);
    if (row) {
      if (!checksumMatches(row.checksum, file.bytes)) {
        throw new MigrationError(
          "MIGRATION_CHECKSUM_MISMATCH",
          file.name,
          `migration ${file.name} was edited after it was applied (recorded ${row.checksum}, file ${file.checksum}); ` +
            `restore the applied file and add a new migration instead`,
        );
      }
      continue;
    }
    await applyOne(client, file, logger);
    applied.push(file.name);
  }
  return applied;
}

async function applyOne(client: pg.Client, file: MigrationFile, logger: MigrationLogger | undefined): Promise<void> {
  const id = randomUUID();
  const started = performance.now();
  logger?.info({ migration: file.name }, "applying migration");
  // Recorded before the script runs (outside its transaction), as Prisma does: a crash leaves a visible failed row.
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
    [id, file.checksum, file.name],
  );
  try {
    await client.query("BEGIN");
    // No parameters: pg uses the simple protocol, which accepts a multi-statement script.
    await client.query(file.sql);
    // Marked finished inside the script's transaction, so "applied" and "recorded finished" commit together.
    await client.query(
      `UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
      [id],
    );
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    await client.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, message]).catch(() => undefined);
    throw new MigrationError("MIGRATION_FAILED", file.name, `migration ${file.name} failed: ${message}`, {
      cause: err,
    });
  }
  logger?.info({ migration: file.name, durationMs: Math.round(performance.now() - started) }, "applied migration");
}
