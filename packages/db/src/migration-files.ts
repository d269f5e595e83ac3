import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** One migration folder on disk: `<migrationsDir>/<name>/migration.sql`. */
export type MigrationFile = { name: string; sql: string; checksum: string };

/** Lowercase hex SHA-256 of the exact bytes, which is what Prisma stores in `_prisma_migrations.checksum`. */
export function migrationChecksum(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Whether a stored checksum still matches the script. Like Prisma's engine, a script that differs
 * only in line endings (a Windows checkout with autocrlf) still matches, so both tools agree.
 */
export function checksumMatches(stored: string, bytes: Buffer): boolean {
  if (stored === migrationChecksum(bytes)) return true;
  const text = bytes.toString("utf8");
  const lf = text.replaceAll("\r\n", "\n");
  return stored === migrationChecksum(lf) || stored === migrationChecksum(lf.replaceAll("\n", "\r\n"));
}

/** Reads the migration folders sorted by name (byte order, as Prisma does); folders without migration.sql are skipped. */
export async function readMigrationFiles(migrationsDir: string): Promise<Array<MigrationFile & { bytes: Buffer }>> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const files: Array<MigrationFile & { bytes: Buffer }> = [];
  for (const name of names) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(migrationsDir, name, "migration.sql"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    files.push({ name, bytes, sql: bytes.toString("utf8"), checksum: migrationChecksum(bytes) });
  }
  return files;
}
