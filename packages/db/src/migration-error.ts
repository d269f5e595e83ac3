/** Machine-readable reasons applyMigrations refuses to continue. */
export type MigrationErrorCode = "MIGRATION_CHECKSUM_MISMATCH" | "MIGRATION_PREVIOUSLY_FAILED" | "MIGRATION_FAILED";

/** Thrown by applyMigrations; `code` is stable for callers, `migration` names the folder at fault. */
export class MigrationError extends Error {
  readonly code: MigrationErrorCode;
  readonly migration: string;

  constructor(code: MigrationErrorCode, migration: string, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.name = "MigrationError";
    this.code = code;
    this.migration = migration;
  }
}
