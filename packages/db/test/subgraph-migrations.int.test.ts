import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations } from "../src/index.ts";
import { checkConstraints, describeStructure, structureDiff } from "./schema-structure.ts";
import { freshDatabase, query, SERVER_URL, uniqueName, REAL_POSTGRES } from "./support.ts";

const SUBGRAPHS = ["users", "products", "orders", "notifications"] as const;
type Subgraph = (typeof SUBGRAPHS)[number];
const subgraphDir = (s: Subgraph) => fileURLToPath(new URL(`../../../subgraphs/${s}`, import.meta.url));

// Every prisma.config.ts points PRISMA_SCHEMA_ENGINE_BINARY at this stand-in unless the variable is
// already set (a native engine). The stand-in needs its own dependencies (its install.sh, which
// .ci/run calls); a clone without the shared folder cannot run the CLI at all.
const STAND_IN_DIR = fileURLToPath(new URL("../../../../shared/tools/prisma-schema-engine/", import.meta.url));
const STAND_IN_ENGINE = `${STAND_IN_DIR}schema-engine.mjs`;
const STAND_IN_READY = `${STAND_IN_DIR}node_modules/.prisma-schema-engine.stamp`;
const NO_ENGINE = process.env.PRISMA_SCHEMA_ENGINE_BINARY
  ? undefined
  : !existsSync(STAND_IN_ENGINE)
    ? `the Prisma CLI has no schema engine here: ${STAND_IN_ENGINE} is absent and PRISMA_SCHEMA_ENGINE_BINARY is unset`
    : !existsSync(STAND_IN_READY)
      ? `the stand-in schema engine is not installed: run ${STAND_IN_DIR}install.sh (.ci/run does)`
      : undefined;

const urls = new Map<Subgraph, string>();
const drops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  if (!REAL_POSTGRES) return;
  for (const subgraph of SUBGRAPHS) {
    const db = await freshDatabase(`sgt_db_schema_${subgraph}`);
    drops.push(db.drop);
    urls.set(subgraph, db.url);
  }
  if (!NO_ENGINE) await cliRole.create();
});

afterAll(async () => {
  if (!REAL_POSTGRES) return;
  try {
    for (const drop of drops) await drop();
  } finally {
    await cliRole.dispose(); // after the drops: the role must own nothing left when it is dropped
  }
});

const url = (s: Subgraph) => urls.get(s) ?? expect.unreachable(`no database for ${s}`);
const migrationsDir = (s: Subgraph) => `${subgraphDir(s)}/prisma/migrations`;
const migrationNames = (s: Subgraph) =>
  readdirSync(migrationsDir(s), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

// The hand-written CHECK constraints the services rely on (Prisma's schema language cannot express
// them, so the drift comparison below ignores CHECKs; this list keeps them from silently vanishing).
const REQUIRED_CHECKS: Partial<Record<Subgraph, Array<{ table: string; name: string; def: string }>>> = {
  products: [
    { table: "Product", name: "Product_stock_nonnegative", def: "CHECK ((stock >= 0))" },
    { table: "Product", name: "Product_priceMinor_positive", def: `CHECK (("priceMinor" > 0))` },
    { table: "StockReservation", name: "StockReservation_quantity_positive", def: "CHECK ((quantity > 0))" },
  ],
  orders: [
    { table: "OrderLine", name: "OrderLine_quantity_positive", def: "CHECK ((quantity > 0))" },
    { table: "OrderLine", name: "OrderLine_unitPriceMinor_nonnegative", def: `CHECK (("unitPriceMinor" >= 0))` },
    { table: "OrderLine", name: "OrderLine_lineTotalMinor_nonnegative", def: `CHECK (("lineTotalMinor" >= 0))` },
    { table: "Order", name: "Order_subtotalMinor_nonnegative", def: `CHECK (("subtotalMinor" >= 0))` },
    { table: "Order", name: "Order_totalMinor_nonnegative", def: `CHECK (("totalMinor" >= 0))` },
    { table: "Payment", name: "Payment_amountMinor_nonnegative", def: `CHECK (("amountMinor" >= 0))` },
  ],
  notifications: [
    {
      table: "InboxEvent",
      name: "InboxEvent_status_check",
      def: "CHECK ((status = ANY (ARRAY['PENDING'::text, 'PROCESSED'::text, 'DEAD'::text])))",
    },
  ],
};

describe.skipIf(!REAL_POSTGRES)("subgraph migrations", () => {
  it("apply to fresh databases with the runner, once", async () => {
    for (const subgraph of SUBGRAPHS) {
      const options = { connectionString: url(subgraph), migrationsDir: migrationsDir(subgraph) };
      const applied = await applyMigrations(options);
      expect(applied).toEqual(migrationNames(subgraph));
      expect(applied[0]).toMatch(/^\d{14}_init$/);
      expect(await applyMigrations(options)).toEqual([]);
    }
  });

  it("create the hand-written CHECK constraints the services rely on", async () => {
    for (const subgraph of SUBGRAPHS) {
      // Idempotent: only does work when this test runs without the one above (-t filter).
      await applyMigrations({ connectionString: url(subgraph), migrationsDir: migrationsDir(subgraph) });
      const required = REQUIRED_CHECKS[subgraph] ?? [];
      expect(await checkConstraints(url(subgraph)), `${subgraph}: CHECK constraints after its migrations`).toEqual(
        expect.arrayContaining(required.map((c) => expect.objectContaining(c))),
      );
    }
  });

  it("enforce the hand-written CHECK constraints", async () => {
    const insertProduct = (stock: number, price: number) =>
      query(
        url("products"),
        `INSERT INTO "Product" (id, slug, title, description, "priceMinor", stock)
         VALUES (gen_random_uuid(), 'p-' || gen_random_uuid(), 'T', 'D', $1, $2)`,
        [price, stock],
      );
    await expect(insertProduct(-1, 100)).rejects.toMatchObject({
      code: "23514",
      constraint: "Product_stock_nonnegative",
    });
    await expect(insertProduct(1, 0)).rejects.toMatchObject({
      code: "23514",
      constraint: "Product_priceMinor_positive",
    });
    await expect(insertProduct(0, 100)).resolves.toEqual([]);

    const [order] = await query<{ id: string }>(
      url("orders"),
      `INSERT INTO "Order" (id, "customerId", "currencyCode", "subtotalMinor", "totalMinor", "shipName", "shipLine1", "shipCity", "shipPostalCode", "shipCountry")
       VALUES (gen_random_uuid(), gen_random_uuid(), 'USD', 0, 0, 'N', 'L1', 'C', 'P', 'US') RETURNING id`,
    );
    await expect(
      query(
        url("orders"),
        `INSERT INTO "OrderLine" (id, "orderId", position, "productId", title, "unitPriceMinor", quantity, "lineTotalMinor")
         VALUES (gen_random_uuid(), $1, 1, gen_random_uuid(), 'T', 100, 0, 0)`,
        [order?.id],
      ),
    ).rejects.toMatchObject({ code: "23514", constraint: "OrderLine_quantity_positive" });
  });

  it("leave Prisma's own CLI agreeing: migrate status is up to date", { timeout: 60_000 }, async ({ skip }) => {
    skip(NO_ENGINE !== undefined, NO_ENGINE);
    await Promise.all(
      SUBGRAPHS.map(async (subgraph) => {
        const { stdout } = await prisma(subgraph, "migrate", "status");
        expect(stdout).toContain("Database schema is up to date!");
      }),
    );
  });

  // Drift check without a shadow database. `prisma migrate diff --from-migrations` replays the
  // migrations into a shadow database and introspects it; the wasm stand-in engine crashes
  // introspecting CHECK constraints, leaks the shadow database and the CLI still exits 0. Instead:
  // A = the committed migrations applied by our runner, B = the from-scratch script Prisma renders
  // for schema.prisma (no database is read), and the two structures must be identical.
  for (const subgraph of SUBGRAPHS) {
    it(
      `${subgraph}: schema.prisma matches its migrations (structure of migrated vs from-scratch database)`,
      { timeout: 90_000 },
      async ({ skip }) => {
        skip(NO_ENGINE !== undefined, NO_ENGINE);

        const a = await freshDatabase(`sgt_drift_a_${subgraph}`);
        drops.push(a.drop);
        const b = await freshDatabase(`sgt_drift_b_${subgraph}`);
        drops.push(b.drop);

        expect(await applyMigrations({ connectionString: a.url, migrationsDir: migrationsDir(subgraph) })).toEqual(
          migrationNames(subgraph),
        );

        // The CLI insists on connecting to its datasource even for --from-empty: give it the empty B.
        const cli = await runPrismaCli(subgraph, cliRole.url(b.name), [
          "migrate",
          "diff",
          "--from-empty",
          "--to-schema",
          "prisma/schema.prisma",
          "--script",
        ]);
        const context = `${subgraph}: prisma migrate diff --from-empty --script\nstderr:\n${cli.stderr}\nstdout:\n${cli.stdout.slice(0, 2_000)}`;
        expect({ code: cli.code, error: cli.error }, context).toEqual({ code: 0, error: undefined });
        // The CLI can exit 0 after its engine died: the exit code alone proves nothing.
        expect(cli.stdout.trim(), context).not.toBe("");
        expect(cli.stdout, context).toMatch(/\bCREATE TABLE\b/);
        expect(
          await cliRole.leakedShadowDatabases(),
          `${subgraph}: shadow databases the CLI left behind (dropped now)`,
        ).toEqual([]);

        await executeScript(b.url, cli.stdout);

        const migrated = await describeStructure(a.url);
        const fromSchema = await describeStructure(b.url);
        // Guard against comparing two empty schemas (or a script that created fewer tables than it names).
        const createdTables = cli.stdout.match(/\bCREATE TABLE\b/g)?.length ?? 0;
        expect(
          fromSchema.filter((l) => l.startsWith("table ")),
          `${subgraph}: tables created by the script`,
        ).toHaveLength(createdTables);
        expect(
          migrated.filter((l) => l.startsWith("table ")).length,
          `${subgraph}: tables created by the migrations`,
        ).toBeGreaterThan(0);

        const drift = structureDiff(migrated, fromSchema, { left: "migrations", right: "schema.prisma" });
        expect(
          drift.join("\n"),
          `${subgraph}: schema.prisma and prisma/migrations disagree (schema changed without a migration, or a migration not reflected in the schema)`,
        ).toBe("");
      },
    );
  }
});

const run = promisify(execFile);

/** Runs the subgraph's prisma CLI directly: `pnpm exec` may decide to reinstall the workspace first. */
function prisma(subgraph: Subgraph, ...args: string[]) {
  const cwd = subgraphDir(subgraph);
  return run(`${cwd}/node_modules/.bin/prisma`, args, { cwd, env: { ...process.env, DATABASE_URL: url(subgraph) } });
}

type CliResult = { code: number | null; error: string | undefined; stdout: string; stderr: string };

/** Like `prisma()`, but never rejects: the caller asserts the exit code and output itself. */
function runPrismaCli(subgraph: Subgraph, databaseUrl: string, args: string[]): Promise<CliResult> {
  const cwd = subgraphDir(subgraph);
  return new Promise((resolve) => {
    execFile(
      `${cwd}/node_modules/.bin/prisma`,
      args,
      { cwd, env: { ...process.env, DATABASE_URL: databaseUrl }, maxBuffer: 16 * 1024 * 1024, timeout: 80_000 },
      (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, error: undefined, stdout, stderr });
        const e = err as NodeJS.ErrnoException & { code?: number | string; signal?: string | null };
        const code = typeof e.code === "number" ? e.code : null;
        resolve({ code, error: `${e.message}${e.signal ? ` (signal ${e.signal})` : ""}`, stdout, stderr });
      },
    );
  });
}

/** Runs a multi-statement script as one simple-protocol query, as `prisma db execute` would. */
async function executeScript(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on("error", () => {});
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * The login the drift check's CLI runs as. A shadow database the stand-in engine creates (and can
 * leak) is owned by the role that connected, so a dedicated role tells our leftovers apart from
 * those of anyone else using the server at the same time. Without the privilege to create roles,
 * the CLI runs as the server URL's user and new `prisma_migrate_shadow_db_*` names are attributed
 * to us by a before/after comparison instead (dropped only when nobody is connected to them).
 */
const cliRole = (() => {
  const name = uniqueName("sgt_drift_cli");
  const password = randomBytes(16).toString("hex");
  let created: boolean | undefined;
  let before: Set<string> | undefined;

  async function create(): Promise<void> {
    try {
      await query(SERVER_URL, `CREATE ROLE "${name}" LOGIN CREATEDB PASSWORD '${password}'`);
      created = true;
    } catch (err) {
      if ((err as { code?: string }).code !== "42501") throw err; // insufficient_privilege
      created = false;
      before = new Set(await shadowDatabases());
    }
  }

  const shadowDatabases = async (owner?: string) =>
    (
      await query<{ datname: string }>(
        SERVER_URL,
        `SELECT datname FROM pg_database
          WHERE datname LIKE 'prisma\\_migrate\\_shadow\\_db\\_%' AND ($1::text IS NULL OR datdba = (SELECT oid FROM pg_roles WHERE rolname = $1::text))
          ORDER BY datname`,
        [owner ?? null],
      )
    ).map((r) => r.datname);

  /** Drops the shadow databases attributed to the CLI runs so far and returns their names. */
  async function leakedShadowDatabases(): Promise<string[]> {
    if (created === undefined) return [];
    const leaked = created ? await shadowDatabases(name) : (await shadowDatabases()).filter((d) => !before?.has(d));
    for (const db of leaked) {
      // WITH (FORCE) only for our own role's databases: another user's might still be in use.
      await query(
        SERVER_URL,
        `DROP DATABASE IF EXISTS "${db.replace(/"/g, '""')}"${created ? " WITH (FORCE)" : ""}`,
      ).catch(() => undefined);
    }
    return leaked;
  }

  return {
    /** The CLI's URL for database `db`. */
    url(db: string): string {
      if (created === undefined) throw new Error("cliRole.create() has not run");
      const u = new URL(SERVER_URL);
      u.pathname = `/${db}`;
      if (created) {
        u.username = name;
        u.password = password;
      }
      return u.toString();
    },
    leakedShadowDatabases,
    create,
    async dispose(): Promise<void> {
      if (created === undefined) return;
      await leakedShadowDatabases();
      if (created) await query(SERVER_URL, `DROP ROLE IF EXISTS "${name}"`);
    },
  };
})();
