import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { hasRealServer } from "@shopgraph/testing";
import { dropDatabase, ensureDatabase, withDatabase } from "../src/index.ts";

/** The real PostgreSQL server the integration tests create their own databases on. */
export const SERVER_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/**
 * These tests exercise server features (CREATE DATABASE, concurrent sessions, the Prisma CLI):
 * without a real server they are skipped outside CI, and fail the run in CI.
 */
export const REAL_POSTGRES = await hasRealServer("PostgreSQL", SERVER_URL, 5432);

/** A database name no other test file (or run) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

/** Creates a fresh database; returns its URL and a drop function for afterAll. */
export async function freshDatabase(prefix: string): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = uniqueName(prefix);
  await ensureDatabase(SERVER_URL, name);
  return { name, url: withDatabase(SERVER_URL, name), drop: () => dropDatabase(SERVER_URL, name) };
}

/** Writes `<root>/<name>/migration.sql` for each entry and returns root (a new temp dir unless given). */
export async function writeMigrations(migrations: Record<string, string>, root?: string): Promise<string> {
  const dir = root ?? (await mkdtemp(join(tmpdir(), "sg-migrations-")));
  for (const [name, sql] of Object.entries(migrations)) {
    await mkdir(join(dir, name), { recursive: true });
    await writeFile(join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

/** Runs one query on a short-lived connection. */
export async function query<R extends pg.QueryResultRow = pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
