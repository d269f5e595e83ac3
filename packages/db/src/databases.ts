import pg from "pg";
import { sleep } from "@shopgraph/util";

const DATABASE_NAME = /^[a-z0-9_]+$/;

function assertDatabaseName(name: string): void {
  // Identifiers cannot be bound as parameters, so only a safe alphabet is ever interpolated.
  if (!DATABASE_NAME.test(name) || name.length > 63) {
    throw new Error(`invalid database name ${JSON.stringify(name)}: expected ^[a-z0-9_]+$ (max 63 chars)`);
  }
}

async function withClient<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  client.on("error", () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates database `name` on the server at `serverUrl` unless it exists; returns true if this call created it. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<boolean> {
  assertDatabaseName(name);
  return withClient(serverUrl, async (client) => {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name}"`);
      return true;
    } catch (err) {
      // Another process won the race: 42P04 duplicate_database, or 23505 from pg_database's unique index.
      const code = (err as { code?: string }).code;
      if (code === "42P04" || code === "23505") return false;
      throw err;
    }
  });
}

/** How long {@link dropDatabase} lets closing sessions finish before it forces them out. */
const DROP_GRACE_MS = 2_000;

/**
 * Drops database `name` if it exists, disconnecting its sessions (WITH FORCE, PostgreSQL 13+).
 * Sessions already closing are given a moment first: a pool's `end()` resolves before its
 * sockets close, and a session forced out in that gap raises FATAL 57P01 on a client that no
 * longer listens for errors (an uncaught exception in whoever ended the pool).
 */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  assertDatabaseName(name);
  await withClient(serverUrl, async (client) => {
    const deadline = Date.now() + DROP_GRACE_MS;
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
        [name],
      );
      if ((rows[0]?.n ?? 0) === 0 || Date.now() >= deadline) break;
      await sleep(25);
    }
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

/** Returns `url` with its database path replaced by `name` (credentials, host and query kept). */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}
