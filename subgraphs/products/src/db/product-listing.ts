import type { Db } from "./client.ts";
import { Prisma } from "./generated/client.ts";
import { PRODUCT_SQL_COLUMNS, RESERVED_SQL, type ProductRecord } from "./product-repository.ts";

/** Orders the catalog can be listed in (the contract's ProductSortKey). */
export type ProductSortKey = "CREATED_AT" | "TITLE" | "PRICE" | "RELEVANCE";

/** Which products a listing shows; archived products never appear. */
export interface ProductListFilter {
  categoryId?: string;
  categorySlug?: string;
  minPriceMinor?: bigint;
  maxPriceMinor?: bigint;
  inStock?: boolean;
  /** A to_tsquery expression; "" means the search had no searchable words and matches nothing. */
  tsQuery?: string;
}

/** The last row of the previous page: its sort value (already validated) and id. */
export interface KeysetPosition {
  key: string | number;
  id: string;
}

/** One page request. */
export interface ProductListSpec {
  filter: ProductListFilter;
  sortKey: ProductSortKey;
  reverse: boolean;
  first: number;
  after: KeysetPosition | null;
}

/** A listed product with its search rank (RELEVANCE cursors carry it). */
export interface ListedProduct extends ProductRecord {
  rank: number | null;
}

const sql = Prisma.sql;
const QUERY = sql`q`;

/** The sort expression and the cast its cursor value needs. */
function sortColumn(sortKey: ProductSortKey): { expr: Prisma.Sql; param: (v: string | number) => Prisma.Sql } {
  switch (sortKey) {
    case "CREATED_AT":
      return { expr: sql`p."createdAt"`, param: (v) => sql`${v}::timestamptz` };
    case "TITLE":
      return { expr: sql`p."title"`, param: (v) => sql`${v}::text` };
    case "PRICE":
      return { expr: sql`p."priceMinor"`, param: (v) => sql`${v}::bigint` };
    case "RELEVANCE":
      // float8 so the rank round-trips exactly through a JSON cursor.
      return { expr: sql`ts_rank(p."searchVector", ${QUERY})::float8`, param: (v) => sql`${v}::float8` };
  }
}

function fromClause(filter: ProductListFilter): Prisma.Sql {
  return filter.tsQuery
    ? sql`"Product" p CROSS JOIN to_tsquery('english'::regconfig, ${filter.tsQuery}) AS q`
    : sql`"Product" p`;
}

function conditions(filter: ProductListFilter): Prisma.Sql[] {
  const where = [sql`p."archivedAt" IS NULL`];
  if (filter.categoryId !== undefined) where.push(sql`p."categoryId" = ${filter.categoryId}::uuid`);
  if (filter.categorySlug !== undefined)
    where.push(sql`p."categoryId" = (SELECT c."id" FROM "Category" c WHERE c."slug" = ${filter.categorySlug})`);
  if (filter.minPriceMinor !== undefined) where.push(sql`p."priceMinor" >= ${filter.minPriceMinor}`);
  if (filter.maxPriceMinor !== undefined) where.push(sql`p."priceMinor" <= ${filter.maxPriceMinor}`);
  if (filter.inStock !== undefined) where.push(sql`(p."stock" - ${RESERVED_SQL(sql`p."id"`)} > 0) = ${filter.inStock}`);
  if (filter.tsQuery === "") where.push(sql`FALSE`);
  else if (filter.tsQuery) where.push(sql`p."searchVector" @@ ${QUERY}`);
  return where;
}

/**
 * One page in keyset order: rows strictly after the cursor's (sort value, id), so rows inserted or
 * removed between requests never shift the window (no OFFSET: no skipped or repeated rows). The id
 * breaks ties, making the order total. Fetches first + 1 to know whether another page exists.
 */
export function listProducts(db: Db, spec: ProductListSpec): Promise<ListedProduct[]> {
  const { expr, param } = sortColumn(spec.sortKey);
  const ascending = (spec.sortKey !== "RELEVANCE") !== spec.reverse;
  const where = conditions(spec.filter);
  if (spec.after) {
    const position = sql`(${expr}, p."id") ${ascending ? sql`>` : sql`<`} (${param(spec.after.key)}, ${spec.after.id}::uuid)`;
    where.push(position);
  }
  const direction = ascending ? sql`ASC` : sql`DESC`;
  const rank = spec.filter.tsQuery ? sql`ts_rank(p."searchVector", ${QUERY})::float8` : sql`NULL::float8`;
  return db.$queryRaw<ListedProduct[]>`
    SELECT ${PRODUCT_SQL_COLUMNS}, ${rank} AS "rank"
    FROM ${fromClause(spec.filter)}
    WHERE ${Prisma.join(where, " AND ")}
    ORDER BY ${expr} ${direction}, p."id" ${direction}
    LIMIT ${spec.first + 1}`;
}

/** How many products match the filter (the connection's totalCount). */
export async function countProducts(db: Db, filter: ProductListFilter): Promise<number> {
  const [row] = await db.$queryRaw<{ count: number }[]>`
    SELECT count(*)::int AS "count" FROM ${fromClause(filter)} WHERE ${Prisma.join(conditions(filter), " AND ")}`;
  return row?.count ?? 0;
}

/** A Category.products page request (newest order is CREATED_AT ascending, like the catalog default). */
export interface CategoryPageRequest {
  categoryId: string;
  first: number;
  after: KeysetPosition | null;
}

/**
 * Pages of several categories in ONE statement (a LATERAL join per request), so listing every
 * category with its first products costs the same as listing one.
 */
export async function listCategoryPages(db: Db, requests: readonly CategoryPageRequest[]): Promise<ListedProduct[][]> {
  const rows = await db.$queryRaw<(ListedProduct & { idx: bigint })[]>`
    SELECT x."idx", l.* FROM unnest(
      ${requests.map((r) => r.categoryId)}::uuid[], ${requests.map((r) => r.first + 1)}::int[],
      ${requests.map((r) => (r.after ? String(r.after.key) : null))}::timestamptz[], ${requests.map((r) => r.after?.id ?? null)}::uuid[]
    ) WITH ORDINALITY AS x("categoryId", "lim", "afterAt", "afterId", "idx")
    CROSS JOIN LATERAL (
      SELECT ${PRODUCT_SQL_COLUMNS}, NULL::float8 AS "rank" FROM "Product" p
      WHERE p."categoryId" = x."categoryId" AND p."archivedAt" IS NULL
        AND (x."afterAt" IS NULL OR (p."createdAt", p."id") > (x."afterAt", x."afterId"))
      ORDER BY p."createdAt" ASC, p."id" ASC LIMIT x."lim"
    ) l`;
  const pages = requests.map((): ListedProduct[] => []);
  for (const { idx, ...row } of rows) pages[Number(idx) - 1]?.push(row);
  return pages;
}

/** Listed (non-archived) products per category, in one statement. */
export async function countByCategory(db: Db, categoryIds: readonly string[]): Promise<Map<string, number>> {
  const rows = await db.$queryRaw<{ categoryId: string; count: number }[]>`
    SELECT p."categoryId", count(*)::int AS "count" FROM "Product" p
    WHERE p."categoryId" = ANY(${[...categoryIds]}::uuid[]) AND p."archivedAt" IS NULL GROUP BY p."categoryId"`;
  return new Map(rows.map((r) => [r.categoryId, r.count]));
}
