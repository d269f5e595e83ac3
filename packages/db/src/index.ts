export { applyMigrations, MIGRATION_LOCK_KEY } from "./migrate.ts";
export { pendingMigrations } from "./pending-migrations.ts";
export type { ApplyMigrationsOptions, MigrationLogger } from "./migrate.ts";
export { MigrationError } from "./migration-error.ts";
export type { MigrationErrorCode } from "./migration-error.ts";
export { migrationChecksum } from "./migration-files.ts";
export { dropDatabase, ensureDatabase, withDatabase } from "./databases.ts";
export { EMBEDDED_POOL_MAX } from "./embedded-pool.ts";
// Loaded on first use, never at import: production processes (DATABASE_URL set) must not load PGlite.
export { startEmbeddedPostgres } from "./embedded-loader.ts";
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from "./embedded-postgres.ts";
export { createPgAdapter } from "./pg-adapter.ts";
export { TRANSACTION_OPTIONS } from "./transaction-options.ts";
export type { PgAdapterOptions } from "./pg-adapter.ts";
export { translatePrismaError } from "./prisma-errors.ts";
export type { PrismaErrorTranslation } from "./prisma-errors.ts";
