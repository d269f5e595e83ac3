import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations, createPgAdapter, EMBEDDED_POOL_MAX, startEmbeddedPostgres } from "../src/index.ts";
import type { EmbeddedPostgres } from "../src/index.ts";
import { PrismaClient } from "../../../subgraphs/users/src/db/generated/client.ts";

const usersMigrations = fileURLToPath(new URL("../../../subgraphs/users/prisma/migrations", import.meta.url));
// Every migration the users subgraph ships, in order: the first start applies all of them.
const usersMigrationNames = readdirSync(usersMigrations, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const dataDir = await mkdtemp(join(tmpdir(), "sg-pglite-"));
const servers: EmbeddedPostgres[] = [];

afterAll(async () => {
  for (const server of servers) await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** pg_control's system identifier: initdb draws a new one for every cluster. */
async function systemIdentifier(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      "SELECT system_identifier::text AS id FROM pg_control_system()",
    );
    return rows[0]!.id;
  } finally {
    await client.end();
  }
}

async function start(): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres({ dataDir: join(dataDir, "pglite") });
  servers.push(server);
  return server;
}

describe("startEmbeddedPostgres", () => {
  it(
    "serves the wire protocol, runs migrations and Prisma with pool max 1, and keeps data across restarts",
    { timeout: 90_000 },
    async () => {
      const first = await start();
      expect(first.url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);

      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      expect((await client.query("SELECT 1 + 1 AS two")).rows).toEqual([{ two: 2 }]);
      await client.end();

      // The runner opens its single connection right after the previous one closed: the server must
      // hand the slot over instead of refusing the newcomer.
      expect(await applyMigrations({ connectionString: first.url, migrationsDir: usersMigrations })).toEqual(
        usersMigrationNames,
      );
      const prisma = new PrismaClient({
        adapter: createPgAdapter({ connectionString: first.url, max: EMBEDDED_POOL_MAX }),
      });
      await prisma.$transaction(async (tx) => {
        const user = await tx.user.create({ data: { email: "kept@example.com", name: "Kept", passwordHash: "x" } });
        await tx.sessionFamily.create({ data: { userId: user.id } });
      });
      expect(await prisma.user.count()).toBe(1);
      await prisma.$disconnect();

      await first.close();
      await first.close(); // idempotent

      // Restart on the same data directory: the migration history and the committed row must survive.
      // (How fast a clean restart is belongs in bench/, not in a timed assertion here.)
      const second = await start();
      expect(await applyMigrations({ connectionString: second.url, migrationsDir: usersMigrations })).toEqual([]);
      const again = new pg.Client({ connectionString: second.url });
      await again.connect();
      expect((await again.query(`SELECT email FROM "User"`)).rows).toEqual([{ email: "kept@example.com" }]);
      await again.end();
      await second.close();
    },
  );

  it("makes a second connection wait for the first instead of refusing it", { timeout: 90_000 }, async () => {
    const server = await start();
    const holder = new pg.Client({ connectionString: server.url });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query("CREATE TABLE IF NOT EXISTS waits (n INTEGER)");

    const waiter = new pg.Client({ connectionString: server.url });
    const connected = waiter.connect().then(() => "connected");
    const early = await Promise.race([connected, new Promise((r) => setTimeout(() => r("waiting"), 300))]);
    expect(early).toBe("waiting");

    await holder.query("INSERT INTO waits VALUES (1)");
    await holder.query("COMMIT");
    await holder.end();
    expect(await connected).toBe("connected");
    expect((await waiter.query("SELECT count(*)::int AS n FROM waits")).rows).toEqual([{ n: 1 }]);
    await waiter.end();
    await server.close();
  });

  it(
    "initializes a template once and starts other data directories as its copies, each with its data",
    { timeout: 120_000 },
    async () => {
      const templateDir = join(dataDir, "template");
      const query = async (url: string, sql: string) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          return (await client.query(sql)).rows;
        } finally {
          await client.end();
        }
      };
      const a = await startEmbeddedPostgres({ dataDir: join(dataDir, "a"), templateDir });
      servers.push(a);
      expect(existsSync(join(templateDir, "PG_VERSION"))).toBe(true);
      await query(a.url, "CREATE TABLE only_in_a (n INTEGER)");
      const b = await startEmbeddedPostgres({ dataDir: join(dataDir, "b"), templateDir });
      servers.push(b);
      expect(await query(b.url, "SELECT to_regclass('only_in_a') AS t")).toEqual([{ t: null }]);
      expect(await query(b.url, "SHOW shared_buffers")).toEqual([{ shared_buffers: "16MB" }]);
      // The template stays empty: what a copy did never flows back into it.
      await a.close();
      const c = await startEmbeddedPostgres({ dataDir: join(dataDir, "c"), templateDir });
      servers.push(c);
      expect(await query(c.url, "SELECT to_regclass('only_in_a') AS t")).toEqual([{ t: null }]);
      // An existing data directory is opened as it is, never overwritten by the template.
      const again = await startEmbeddedPostgres({ dataDir: join(dataDir, "a"), templateDir });
      servers.push(again);
      expect(await query(again.url, "SELECT to_regclass('only_in_a')::text AS t")).toEqual([{ t: "only_in_a" }]);
    },
  );

  it(
    "runs one initdb for starters that begin together: the others wait for its template and copy it",
    { timeout: 180_000 },
    async () => {
      const templateDir = join(dataDir, "together-template");
      const started = await Promise.all(
        ["p", "q", "r"].map((name) =>
          startEmbeddedPostgres({ dataDir: join(dataDir, `together-${name}`), templateDir }),
        ),
      );
      servers.push(...started);
      expect(started.filter((s) => s.initializedTemplate)).toHaveLength(1);
      // initdb gives every cluster its own identifier: one value means one initdb, copied.
      const ids = await Promise.all(started.map((s) => systemIdentifier(s.url)));
      expect(new Set(ids).size).toBe(1);
      expect(existsSync(`${templateDir}.lock`)).toBe(false);
    },
  );

  it("takes over the template lock of a process that died while building", { timeout: 120_000 }, async () => {
    const templateDir = join(dataDir, "orphan-template");
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    writeFileSync(`${templateDir}.lock`, String(dead));
    const server = await startEmbeddedPostgres({ dataDir: join(dataDir, "orphan"), templateDir });
    servers.push(server);
    expect(server.initializedTemplate).toBe(true);
    expect(existsSync(join(templateDir, "PG_VERSION"))).toBe(true);
    expect(existsSync(`${templateDir}.lock`)).toBe(false);
  });
});
