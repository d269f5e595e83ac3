import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { dropDatabase, ensureDatabase, withDatabase } from "@shopgraph/db";
import { hasRealServer, TEST_DATABASE_SERVER, testLogger } from "@shopgraph/testing";
import { openDatabase } from "../src/database.ts";

// The Kubernetes migration Jobs run these entry points as real processes, before the new pods start.
const run = promisify(execFile);
const root = fileURLToPath(new URL("../../../", import.meta.url));
const ordersMigrations = fileURLToPath(new URL("../../../subgraphs/orders/prisma/migrations", import.meta.url));
const REAL_PG = await hasRealServer("PostgreSQL", TEST_DATABASE_SERVER, 5432);
const created: string[] = [];

async function freshDatabase(): Promise<string> {
  const name = `sgt_migjob_${process.pid}_${randomBytes(4).toString("hex")}`;
  await ensureDatabase(TEST_DATABASE_SERVER, name);
  created.push(name);
  return withDatabase(TEST_DATABASE_SERVER, name);
}

const migrateJob = (service: string, env: Record<string, string>) =>
  run(process.execPath, [`subgraphs/${service}/src/migrate.ts`], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", ...env },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

async function appliedNames(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ migration_name: string }>(
      `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name`,
    );
    return rows.map((r) => r.migration_name);
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const name of created) await dropDatabase(TEST_DATABASE_SERVER, name);
});

describe("migration Job entry point", () => {
  it("refuses to run without a database URL (exit 1, names the variable)", async () => {
    const result = await migrateJob("users", {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("DATABASE_URL");
  });
});

describe.skipIf(!REAL_PG)("migration Jobs against real PostgreSQL", () => {
  it.each(["users", "products", "orders", "notifications"])(
    "%s: two concurrent Jobs both succeed and apply each migration once",
    async (service) => {
      const url = await freshDatabase();
      const results = await Promise.all([
        migrateJob(service, { DATABASE_URL: url }),
        migrateJob(service, { DATABASE_MIGRATION_URL: url, DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" }),
      ]);
      expect(results.map((r) => r.code)).toEqual([0, 0]);
      const folders = (
        await readdir(fileURLToPath(new URL(`../../../subgraphs/${service}/prisma/migrations`, import.meta.url)), {
          withFileTypes: true,
        })
      )
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
      expect(await appliedNames(url)).toEqual(folders);
      const again = await migrateJob(service, { DATABASE_URL: url });
      expect(again.code).toBe(0);
      expect(again.stdout).toContain("database already up to date");
    },
  );

  it("a service with MIGRATE_ON_START=false refuses a database with pending migrations and starts on a migrated one", async () => {
    const url = await freshDatabase();
    const open = () =>
      openDatabase({
        service: "orders",
        databaseUrl: url,
        dataDir: "/nonexistent",
        migrationsDir: ordersMigrations,
        logger: testLogger("orders"),
        migrate: false,
      });
    await expect(open()).rejects.toThrow(/migration\(s\) not applied .*run the migration Job first/);
    expect((await migrateJob("orders", { DATABASE_URL: url })).code).toBe(0);
    const database = await open();
    expect(database.embedded).toBe(false);
    await database.close();
  });
});
