import DataLoader from "dataloader";
import type { Db } from "./client.ts";
import { Prisma } from "./generated/client.ts";
import { olderThanCursor, type Order, type OrderStatus } from "./order-repository.ts";

/** One customer's page request (User.orders): newest first, `first + 1` rows, after a decoded cursor. */
export interface CustomerPageKey {
  customerId: string;
  /** Rows to fetch (the page size plus one, to know whether there is more). */
  take: number;
  after: { createdAt: string; id: string } | null;
  status: OrderStatus | null;
}

const sql = Prisma.sql;
const pageSignature = (k: CustomerPageKey) => JSON.stringify([k.take, k.after, k.status]);

/**
 * Pages of many customers' orders in ONE statement: a LATERAL join per customer walks the
 * (customerId, createdAt, id) index, so a gateway fan-out resolving `orders` for 100 users costs
 * what one user costs (the gateway sends the same page arguments for every user).
 */
async function pagesOfCustomers(
  db: Db,
  customerIds: readonly string[],
  spec: Omit<CustomerPageKey, "customerId">,
): Promise<Order[]> {
  const where = [sql`o."customerId" = c."id"`];
  if (spec.status) where.push(sql`o."status" = ${spec.status}::"OrderStatus"`);
  if (spec.after) where.push(olderThanCursor(spec.after));
  return db.$queryRaw<Order[]>`
    SELECT o.* FROM unnest(${[...customerIds]}::uuid[]) AS c("id")
    CROSS JOIN LATERAL (
      SELECT o.* FROM "Order" o WHERE ${Prisma.join(where, " AND ")}
      ORDER BY o."createdAt" DESC, o."id" DESC LIMIT ${spec.take}
    ) o`;
}

/** Orders per customer (optionally of one status) for many customers, in one statement. */
async function countsOfCustomers(
  db: Db,
  customerIds: readonly string[],
  status: OrderStatus | null,
): Promise<Map<string, number>> {
  const rows = await db.$queryRaw<{ customerId: string; count: number }[]>`
    SELECT o."customerId", count(*)::int AS "count" FROM "Order" o
    WHERE o."customerId" = ANY(${[...customerIds]}::uuid[]) ${status ? sql`AND o."status" = ${status}::"OrderStatus"` : sql``}
    GROUP BY o."customerId"`;
  return new Map(rows.map((r) => [r.customerId, r.count]));
}

/** Per-request loaders behind User.orders: pages and counts batched across every user of the response. */
export function createCustomerOrderLoaders(db: Db) {
  const pages = new DataLoader<CustomerPageKey, Order[], string>(
    async (keys) => {
      const results = new Map<string, Order[]>();
      // One statement per distinct page shape (everything but the customer).
      for (const [shape, group] of Map.groupBy(keys, pageSignature)) {
        const rows = await pagesOfCustomers(
          db,
          group.map((k) => k.customerId),
          group[0]!,
        );
        for (const k of group) results.set(`${k.customerId}|${shape}`, []);
        for (const row of rows) results.get(`${row.customerId}|${shape}`)?.push(row);
      }
      return keys.map((k) => results.get(`${k.customerId}|${pageSignature(k)}`) ?? []);
    },
    { cacheKeyFn: (k) => `${k.customerId}|${pageSignature(k)}` },
  );
  const counts = new DataLoader<{ customerId: string; status: OrderStatus | null }, number, string>(
    async (keys) => {
      const results = new Map<string, number>();
      for (const [status, group] of Map.groupBy(keys, (k) => k.status ?? "")) {
        const found = await countsOfCustomers(
          db,
          group.map((k) => k.customerId),
          status || null,
        );
        for (const k of group) results.set(`${k.customerId}|${status}`, found.get(k.customerId) ?? 0);
      }
      return keys.map((k) => results.get(`${k.customerId}|${k.status ?? ""}`) ?? 0);
    },
    { cacheKeyFn: (k) => `${k.customerId}|${k.status ?? ""}` },
  );
  return { pages, counts };
}

/** The loaders {@link createCustomerOrderLoaders} returns. */
export type CustomerOrderLoaders = ReturnType<typeof createCustomerOrderLoaders>;
