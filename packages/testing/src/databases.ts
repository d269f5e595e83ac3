import { randomBytes } from "node:crypto";
import { cp, mkdtemp, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  applyMigrations,
  dropDatabase,
  EMBEDDED_POOL_MAX,
  ensureDatabase,
  startEmbeddedPostgres,
  withDatabase,
} from "@shopgraph/db";
import { isReachable, requireOrFallback } from "./reachability.ts";

/** The PostgreSQL server tests create their databases on. */
export const TEST_DATABASE_SERVER = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

let template: Promise<string> | undefined;

/**
 * An initialized, empty PGlite data directory shared by every fallback database on this machine.
 * Initializing PGlite takes seconds while starting from a copy takes under one, and the e2e
 * stacks need four databases each. Built in a private folder and renamed into place, so
 * concurrent test processes never see a half-written template.
 */
function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = join(tmpdir(), `sgt-pglite-template-${process.versions.node}`);
    if (
      await stat(join(dir, "PG_VERSION")).then(
        () => true,
        () => false,
      )
    )
      return dir;
    const building = await mkdtemp(join(tmpdir(), "sgt-pglite-building-"));
    const embedded = await startEmbeddedPostgres({ dataDir: building });
    await embedded.close();
    await rename(building, dir).catch(async () => rm(building, { recursive: true, force: true }));
    return dir;
  })();
  return template;
}

/** A migrated, test-owned database. */
export interface TestDatabase {
  url: string;
  poolMax: number;
  embedded: boolean;
  drop(): Promise<void>;
}

/**
 * A fresh database for one test file, migrated by the project's own runner: a uniquely named
 * database on the real server, or (outside CI, server unreachable) an embedded PostgreSQL.
 */
export async function provisionDatabase(service: string, migrationsDir: string): Promise<TestDatabase> {
  if (await isReachable(TEST_DATABASE_SERVER, 5432)) {
    const name = `sgt_${service}_${process.pid}_${randomBytes(4).toString("hex")}`;
    await ensureDatabase(TEST_DATABASE_SERVER, name);
    const url = withDatabase(TEST_DATABASE_SERVER, name);
    await applyMigrations({ connectionString: url, migrationsDir });
    return { url, poolMax: 5, embedded: false, drop: () => dropDatabase(TEST_DATABASE_SERVER, name) };
  }
  requireOrFallback("PostgreSQL", TEST_DATABASE_SERVER);
  const dataDir = await mkdtemp(join(tmpdir(), `sgt-${service}-`));
  await cp(await pgliteTemplate(), dataDir, { recursive: true });
  const embedded = await startEmbeddedPostgres({ dataDir });
  await applyMigrations({ connectionString: embedded.url, migrationsDir });
  return {
    url: embedded.url,
    poolMax: EMBEDDED_POOL_MAX,
    embedded: true,
    async drop() {
      await embedded.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** What a test passes to `new pg.Pool(...)`. */
export interface TestPoolConfig {
  connectionString: string;
  max: number;
  idleTimeoutMillis?: number;
}

/**
 * Settings for a pg.Pool a test opens next to the code under test: `max` connections on a real
 * server. The embedded fallback serves one connection at a time (the next one waits its turn, then
 * is refused), so there the pool keeps one connection and closes it as soon as it is idle: the
 * app's pool, a relay or a child process on the same database get their turn.
 */
export function testPoolConfig(database: TestDatabase, max: number): TestPoolConfig {
  return database.embedded
    ? { connectionString: database.url, max: 1, idleTimeoutMillis: 1 }
    : { connectionString: database.url, max };
}
