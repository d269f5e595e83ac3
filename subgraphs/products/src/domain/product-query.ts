import { badUserInput } from "@shopgraph/errors";
import { parseFirst, parseMoney } from "@shopgraph/subgraph-kit";
import type { ProductListFilter, ProductListSpec, ProductSortKey } from "../db/product-listing.ts";
import { decodeProductCursor, type CursorScope } from "./product-cursor.ts";
import { toPrefixTsQuery } from "./search-query.ts";

/** Arguments of Query.products as GraphQL hands them over. */
export interface ProductsArgs {
  first?: number | null;
  after?: string | null;
  query?: string | null;
  filter?: {
    categorySlug?: string | null;
    minPrice?: string | null;
    maxPrice?: string | null;
    inStock?: boolean | null;
  } | null;
  sortKey?: ProductSortKey | null;
  reverse?: boolean | null;
}

/** A validated listing request and the scope its cursors belong to. */
export interface ProductsRequest {
  spec: ProductListSpec;
  scope: CursorScope;
}

function parseFilter(filter: ProductsArgs["filter"], tsQuery: string | undefined): ProductListFilter {
  const out: ProductListFilter = {};
  if (tsQuery !== undefined) out.tsQuery = tsQuery;
  if (!filter) return out;
  if (filter.categorySlug !== null && filter.categorySlug !== undefined) out.categorySlug = filter.categorySlug;
  if (filter.minPrice !== null && filter.minPrice !== undefined)
    out.minPriceMinor = parseMoney(filter.minPrice, ["filter", "minPrice"]);
  if (filter.maxPrice !== null && filter.maxPrice !== undefined)
    out.maxPriceMinor = parseMoney(filter.maxPrice, ["filter", "maxPrice"]);
  if (out.minPriceMinor !== undefined && out.maxPriceMinor !== undefined && out.minPriceMinor > out.maxPriceMinor) {
    throw badUserInput("minPrice must not exceed maxPrice", ["filter", "minPrice"]);
  }
  if (filter.inStock !== null && filter.inStock !== undefined) out.inStock = filter.inStock;
  return out;
}

/**
 * Validates Query.products arguments: `first` 0–100, prices as decimal strings, RELEVANCE only
 * with a query, and a cursor minted for this very order. Every failure is BAD_USER_INPUT.
 */
export function parseProductsArgs(args: ProductsArgs): ProductsRequest {
  const first = parseFirst(args.first);
  const tsQuery = toPrefixTsQuery(args.query);
  const sortKey = args.sortKey ?? "CREATED_AT";
  if (sortKey === "RELEVANCE" && tsQuery === undefined)
    throw badUserInput("sortKey RELEVANCE needs a query", ["sortKey"]);
  const filter = parseFilter(args.filter, tsQuery);
  const scope: CursorScope = { sortKey, reverse: args.reverse ?? false, ...(tsQuery !== undefined ? { tsQuery } : {}) };
  const after = args.after ? decodeProductCursor(args.after, scope) : null;
  return { spec: { filter, sortKey, reverse: scope.reverse, first, after }, scope };
}
