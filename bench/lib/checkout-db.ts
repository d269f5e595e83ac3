import pg from "pg";

/**
 * The checkout bench's direct look at the products and orders databases: stock set-up before the
 * load, and the oversell audit after it, read from the rows themselves rather than from answers.
 */

/** Stock of one product and what was sold of it. */
export interface StockAudit {
  productId: string;
  initialStock: number;
  stock: number;
  /** Units of the product on PAID orders placed during the run (orders database). */
  paidUnits: number;
  /** Units in COMMITTED reservations made during the run (products database). */
  committedUnits: number;
}

/** Totals of an audit; `ok` when no stock is negative and every unit sold is a unit taken from stock. */
export interface AuditSummary {
  products: number;
  paidUnits: number;
  stockTaken: number;
  committedUnits: number;
  negativeStock: number;
  mismatched: string[];
  ok: boolean;
}

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Sets the stock of products (plenty for the load; a limited amount for the contention product). */
export async function setStock(productsUrl: string, stock: ReadonlyMap<string, number>): Promise<void> {
  await withClient(productsUrl, (c) =>
    c.query(
      `UPDATE "Product" p SET "stock" = s.stock FROM unnest($1::uuid[], $2::int[]) AS s(id, stock) WHERE p."id" = s.id`,
      [[...stock.keys()], [...stock.values()]],
    ),
  );
}

/** Orders created from now on are the run's: the audit only counts orders newer than this mark. */
export async function orderMark(ordersUrl: string): Promise<number> {
  return withClient(ordersUrl, async (c) =>
    Number((await c.query(`SELECT COALESCE(MAX("number"), 0) AS n FROM "Order"`)).rows[0].n),
  );
}

/** Orders of the run still PENDING (a saga in flight); the bench waits for zero between steps. */
export async function pendingOrders(ordersUrl: string, mark: number): Promise<number> {
  return withClient(ordersUrl, async (c) =>
    Number(
      (await c.query(`SELECT count(*) AS n FROM "Order" WHERE "number" > $1 AND "status" = 'PENDING'`, [mark])).rows[0]
        .n,
    ),
  );
}

/** Order statuses of the run. */
export async function statusCounts(ordersUrl: string, mark: number): Promise<Record<string, number>> {
  return withClient(ordersUrl, async (c) => {
    const { rows } = await c.query(
      `SELECT "status", count(*)::int AS n FROM "Order" WHERE "number" > $1 GROUP BY "status"`,
      [mark],
    );
    return Object.fromEntries(rows.map((r: { status: string; n: number }) => [r.status, r.n]));
  });
}

/**
 * Compares, per product, the units sold on PAID orders (orders database) with the stock taken
 * (products database) and the committed reservations: zero oversell means stock never below zero
 * and initial − final stock = committed units = PAID units.
 */
export async function auditStock(
  databases: { products: string; orders: string },
  initial: ReadonlyMap<string, number>,
  mark: number,
): Promise<{ rows: StockAudit[]; summary: AuditSummary }> {
  const ids = [...initial.keys()];
  const paid = await withClient(databases.orders, async (c) => {
    const { rows } = await c.query(
      `SELECT l."productId" AS id, SUM(l."quantity")::int AS units FROM "OrderLine" l JOIN "Order" o ON o."id" = l."orderId"
       WHERE o."number" > $1 AND o."status" = 'PAID' AND l."productId" = ANY($2::uuid[]) GROUP BY l."productId"`,
      [mark, ids],
    );
    return new Map(rows.map((r: { id: string; units: number }) => [r.id, r.units]));
  });
  const products = await withClient(databases.products, async (c) => {
    const { rows } = await c.query(
      `SELECT p."id", p."stock", COALESCE((SELECT SUM(r."quantity") FROM "StockReservation" r WHERE r."productId" = p."id" AND r."status" = 'COMMITTED'), 0)::int AS committed
       FROM "Product" p WHERE p."id" = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r: { id: string; stock: number; committed: number }) => [r.id, r]));
  });
  const rows = ids.map((id): StockAudit => {
    const p = products.get(id);
    return {
      productId: id,
      initialStock: initial.get(id)!,
      stock: p?.stock ?? Number.NaN,
      paidUnits: paid.get(id) ?? 0,
      committedUnits: p?.committed ?? 0,
    };
  });
  // Committed reservations from before the run (seed) are not the run's: compare stock taken with PAID units.
  const mismatched = rows.filter((r) => r.initialStock - r.stock !== r.paidUnits).map((r) => r.productId);
  const negativeStock = rows.filter((r) => r.stock < 0).length;
  const sum = (f: (r: StockAudit) => number) => rows.reduce((s, r) => s + f(r), 0);
  return {
    rows,
    summary: {
      products: rows.length,
      paidUnits: sum((r) => r.paidUnits),
      stockTaken: sum((r) => r.initialStock - r.stock),
      committedUnits: sum((r) => r.committedUnits),
      negativeStock,
      mismatched,
      ok: negativeStock === 0 && mismatched.length === 0,
    },
  };
}

/**
 * The pids of the PostgreSQL backends serving these databases now (pg_stat_activity, read over a
 * connection to the server's `postgres` database, which is not one of them): the bench's own share
 * of a shared server, where the server-wide CPU would count every other user of the machine too.
 */
export async function backendPids(databaseUrls: readonly string[]): Promise<number[]> {
  const names = databaseUrls.map((u) => new URL(u).pathname.slice(1));
  const admin = new URL(databaseUrls[0]!);
  admin.pathname = "/postgres";
  return withClient(admin.toString(), async (c) => {
    const { rows } = await c.query(`SELECT pid FROM pg_stat_activity WHERE datname = ANY($1::text[])`, [names]);
    return rows.map((r: { pid: number }) => r.pid);
  });
}
