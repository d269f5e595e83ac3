import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, hasRealServer, TEST_DATABASE_SERVER } from "../../packages/testing/src/index.ts";
import { insertProducts } from "../../subgraphs/products/test/factories.ts";
import {
  provisionProductsWorld,
  startTestProducts,
  type ProductsWorld,
  type TestProducts,
} from "../../subgraphs/products/test/harness.ts";

// The next 10× (deploy/kubernetes/README.md): subgraphs reach PostgreSQL through a transaction-mode
// PgBouncer. Prisma's driver adapter sends unnamed statements, so no `pgbouncer=true` flag is needed;
// the one session-level feature (the migration advisory lock) stays off the pooled URL with
// MIGRATE_ON_START=false. Proven here with a real PgBouncer in front of the real server.
const REAL_PG = await hasRealServer("PostgreSQL", TEST_DATABASE_SERVER, 5432);
const hasPgbouncer = spawnSync("pgbouncer", ["--version"]).status === 0;
if (!hasPgbouncer && process.env.CI)
  throw new Error("pgbouncer is required in CI (.ci/run installs Debian's pgbouncer)");

let bouncer: ChildProcess | undefined;
let dir: string;
let world: ProductsWorld;
let products: TestProducts;

/** Starts PgBouncer in transaction mode with a server pool much smaller than the client pool. */
async function startPgbouncer(server: URL): Promise<string> {
  dir = mkdtempSync(join(tmpdir(), "sgt-pgbouncer-"));
  chmodSync(dir, 0o777);
  const port = await freePort();
  writeFileSync(
    join(dir, "pgbouncer.ini"),
    [
      "[databases]",
      `* = host=${server.hostname} port=${server.port || 5432} user=${decodeURIComponent(server.username) || "postgres"}`,
      "[pgbouncer]",
      `listen_addr = 127.0.0.1`,
      `listen_port = ${port}`,
      "auth_type = any",
      "pool_mode = transaction",
      // 2 server connections behind a client pool of 10: transactions interleave on shared sessions.
      "default_pool_size = 2",
      "max_client_conn = 100",
      `unix_socket_dir = ${dir}`,
      `logfile = ${join(dir, "pgbouncer.log")}`,
      "",
    ].join("\n"),
  );
  chmodSync(join(dir, "pgbouncer.ini"), 0o644);
  // PgBouncer refuses to run as root.
  const [cmd, args] =
    process.getuid?.() === 0
      ? ["runuser", ["-u", "postgres", "--", "pgbouncer", join(dir, "pgbouncer.ini")]]
      : ["pgbouncer", [join(dir, "pgbouncer.ini")]];
  bouncer = spawn(cmd, args, { stdio: "ignore" });
  const deadline = Date.now() + 10_000;
  // A fresh probe each time (the testing package caches reachability per address).
  const listening = () =>
    new Promise<boolean>((resolve) =>
      connect(port, "127.0.0.1")
        .once("connect", function (this: Socket) {
          this.destroy();
          resolve(true);
        })
        .once("error", () => resolve(false)),
    );
  while (!(await listening())) {
    if (Date.now() > deadline) throw new Error("pgbouncer did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  return String(port);
}

beforeAll(async () => {
  if (!REAL_PG || !hasPgbouncer) return;
  world = await provisionProductsWorld();
  const direct = new URL(world.database.url);
  const port = await startPgbouncer(direct);
  const pooled = new URL(world.database.url);
  pooled.port = port;
  products = await startTestProducts(world, {
    DATABASE_URL: pooled.toString(),
    DATABASE_POOL_MAX: "10",
    MIGRATE_ON_START: "false",
  });
});
afterAll(async () => {
  await products?.close();
  bouncer?.kill("SIGTERM");
  await world?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!REAL_PG || !hasPgbouncer)("a subgraph behind a transaction-mode PgBouncer", () => {
  it("starts without migrating, then runs concurrent transactions and queries with exact stock", async () => {
    const [product] = await insertProducts(products.db, [{ stock: 30 }]);
    const asService = (query: string, variables: Record<string, unknown>) =>
      products.query(query, { variables, headers: { "x-service-token": world.serviceToken } });
    // 20 concurrent reservations of 1 (each a transaction with row locks) and catalog reads in between.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? asService(
              "mutation($o: ID!, $l: [StockLineInput!]!) { reserveStock(orderId: $o, lines: $l) { ok userErrors { code } } }",
              { o: randomUUID(), l: [{ productId: product!.id, quantity: 1 }] },
            )
          : products.query("query($id: ID) { product(id: $id) { id quantityAvailable } }", {
              variables: { id: product!.id },
            }),
      ),
    );
    for (const result of results) expect(result.errors).toBeUndefined();
    expect(results.filter((r) => r.data?.reserveStock).every((r) => r.data?.reserveStock.ok)).toBe(true);
    const available = await products.query("query($id: ID) { product(id: $id) { quantityAvailable } }", {
      variables: { id: product!.id },
    });
    expect(available.data?.product.quantityAvailable).toBe(20);
    expect((await fetch(`${products.url}/readyz`)).status).toBe(200);
    // Behind the bouncer the server saw at most its pool of 2 sessions, though Prisma's pool is 10.
    const [{ sessions }] = await products.db.$queryRaw<
      [{ sessions: number }]
    >`SELECT count(*)::int AS sessions FROM pg_stat_activity WHERE datname = current_database()`;
    expect(sessions).toBeLessThanOrEqual(2);
  });
});
