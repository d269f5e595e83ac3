import { createHash } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations, MigrationError } from "../src/index.ts";
import { freshDatabase, query, writeMigrations, REAL_POSTGRES } from "./support.ts";

type Row = {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
};

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  if (!REAL_POSTGRES) return;
  for (const cleanup of cleanups) await cleanup();
});

async function setup(migrations: Record<string, string>) {
  const db = await freshDatabase("sgt_db_migrate");
  const dir = await writeMigrations(migrations);
  cleanups.push(db.drop, () => rm(dir, { recursive: true, force: true }));
  return { url: db.url, dir };
}

const rows = (url: string) => query<Row>(url, `SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name`);
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe.skipIf(!REAL_POSTGRES)("applyMigrations", () => {
  it("applies migrations in folder-name order, records Prisma-shaped rows and is idempotent", async () => {
    // The second migration depends on the first, so a wrong order fails.
    const first = `CREATE TABLE "Thing" ("id" INTEGER PRIMARY KEY);\n`;
    const second = `ALTER TABLE "Thing" ADD COLUMN "name" TEXT;\nINSERT INTO "Thing" VALUES (1, 'one');\n`;
    const { url, dir } = await setup({ "20260102000000_second": second, "20260101000000_first": first });
    await writeFile(join(dir, "migration_lock.toml"), 'provider = "postgresql"\n');

    expect(await applyMigrations({ connectionString: url, migrationsDir: dir })).toEqual([
      "20260101000000_first",
      "20260102000000_second",
    ]);
    const recorded = await rows(url);
    expect(recorded.map((r) => r.migration_name)).toEqual(["20260101000000_first", "20260102000000_second"]);
    expect(recorded[0]?.checksum).toBe(sha256(first));
    expect(recorded[1]?.checksum).toBe(sha256(second));
    for (const row of recorded) {
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.applied_steps_count).toBe(1);
      expect(row.logs).toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    }

    expect(await applyMigrations({ connectionString: url, migrationsDir: dir })).toEqual([]);
    expect(await rows(url)).toHaveLength(2);

    // A later migration is picked up on its own.
    await writeMigrations({ "20260103000000_third": `ALTER TABLE "Thing" ADD COLUMN "n" INTEGER;` }, dir);
    expect(await applyMigrations({ connectionString: url, migrationsDir: dir })).toEqual(["20260103000000_third"]);
    expect(await query(url, `SELECT "id", "name", "n" FROM "Thing"`)).toEqual([{ id: 1, name: "one", n: null }]);
  });

  it("creates the table with exactly Prisma's columns", async () => {
    const { url, dir } = await setup({ "20260101000000_a": "SELECT 1;" });
    await applyMigrations({ connectionString: url, migrationsDir: dir });
    const columns = await query(
      url,
      `SELECT column_name, data_type, character_maximum_length AS len, is_nullable, column_default
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: "id", data_type: "character varying", len: 36, is_nullable: "NO", column_default: null },
      { column_name: "checksum", data_type: "character varying", len: 64, is_nullable: "NO", column_default: null },
      {
        column_name: "finished_at",
        data_type: "timestamp with time zone",
        len: null,
        is_nullable: "YES",
        column_default: null,
      },
      {
        column_name: "migration_name",
        data_type: "character varying",
        len: 255,
        is_nullable: "NO",
        column_default: null,
      },
      { column_name: "logs", data_type: "text", len: null, is_nullable: "YES", column_default: null },
      {
        column_name: "rolled_back_at",
        data_type: "timestamp with time zone",
        len: null,
        is_nullable: "YES",
        column_default: null,
      },
      {
        column_name: "started_at",
        data_type: "timestamp with time zone",
        len: null,
        is_nullable: "NO",
        column_default: "now()",
      },
      { column_name: "applied_steps_count", data_type: "integer", len: null, is_nullable: "NO", column_default: "0" },
    ]);
  });

  it("refuses a migration edited after it was applied, and applies nothing after it", async () => {
    const { url, dir } = await setup({ "20260101000000_a": `CREATE TABLE "A" ("id" INTEGER);\n` });
    await applyMigrations({ connectionString: url, migrationsDir: dir });
    await writeMigrations(
      {
        "20260101000000_a": `CREATE TABLE "A" ("id" BIGINT);\n`,
        "20260102000000_b": `CREATE TABLE "B" ("id" INTEGER);\n`,
      },
      dir,
    );

    const error = await applyMigrations({ connectionString: url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ code: "MIGRATION_CHECKSUM_MISMATCH", migration: "20260101000000_a" });
    expect((error as Error).message).toMatch(/^MIGRATION_CHECKSUM_MISMATCH: migration 20260101000000_a was edited/);
    expect((await rows(url)).map((r) => r.migration_name)).toEqual(["20260101000000_a"]);
  });

  it("treats a line-ending-only change as unchanged, like Prisma", async () => {
    const { url, dir } = await setup({ "20260101000000_a": `CREATE TABLE "A" ("id" INTEGER);\nSELECT 1;\n` });
    await applyMigrations({ connectionString: url, migrationsDir: dir });
    await writeMigrations({ "20260101000000_a": `CREATE TABLE "A" ("id" INTEGER);\r\nSELECT 1;\r\n` }, dir);
    expect(await applyMigrations({ connectionString: url, migrationsDir: dir })).toEqual([]);
  });

  it("rolls a failing migration back, records it as failed and refuses to continue until resolved", async () => {
    const { url, dir } = await setup({
      "20260101000000_ok": `CREATE TABLE "Ok" ("id" INTEGER);`,
      "20260102000000_bad": `CREATE TABLE "Half" ("id" INTEGER);\nSELECT * FROM "Missing";`,
    });
    const failure = await applyMigrations({ connectionString: url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: "MIGRATION_FAILED", migration: "20260102000000_bad" });

    const [ok, bad] = await rows(url);
    expect(ok?.finished_at).not.toBeNull();
    expect(bad).toMatchObject({ migration_name: "20260102000000_bad", finished_at: null, applied_steps_count: 0 });
    expect(bad?.logs).toContain('relation "Missing" does not exist');
    // The script ran in a transaction: its first statement left nothing behind.
    expect(await query(url, `SELECT to_regclass('"Half"') AS half`)).toEqual([{ half: null }]);

    const again = await applyMigrations({ connectionString: url, migrationsDir: dir }).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: "MIGRATION_PREVIOUSLY_FAILED", migration: "20260102000000_bad" });

    // What `prisma migrate resolve --rolled-back` does, then a fixed script applies.
    await query(
      url,
      `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '20260102000000_bad'`,
    );
    await writeMigrations({ "20260102000000_bad": `CREATE TABLE "Half" ("id" INTEGER);` }, dir);
    expect(await applyMigrations({ connectionString: url, migrationsDir: dir })).toEqual(["20260102000000_bad"]);
  });

  it("serializes concurrent runners so each migration is applied exactly once", async () => {
    // No IF NOT EXISTS and a sleep to widen the window: a double apply would fail loudly.
    const migrations: Record<string, string> = {};
    for (let i = 1; i <= 4; i++) {
      migrations[`2026010${i}000000_m${i}`] = `SELECT pg_sleep(0.05);\nCREATE TABLE "T${i}" ("id" INTEGER);\n`;
    }
    const { url, dir } = await setup(migrations);

    const results = await Promise.all(
      Array.from({ length: 4 }, () => applyMigrations({ connectionString: url, migrationsDir: dir })),
    );
    expect(results.flat().sort()).toEqual(Object.keys(migrations).sort());
    const recorded = await rows(url);
    expect(recorded.map((r) => r.migration_name).sort()).toEqual(Object.keys(migrations).sort());
    expect(recorded.every((r) => r.finished_at !== null)).toBe(true);
  });
});
