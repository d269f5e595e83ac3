import { createHash } from "node:crypto";
import { badUserInput } from "@shopgraph/errors";
import { encodeCursor, isUuid } from "@shopgraph/subgraph-kit";
import type { KeysetPosition, ListedProduct, ProductSortKey } from "../db/product-listing.ts";

/** The order a cursor belongs to; a cursor is only valid for the same order (and search). */
export interface CursorScope {
  sortKey: ProductSortKey;
  reverse: boolean;
  /** The normalized search; RELEVANCE ranks are only comparable within one query. */
  tsQuery?: string;
}

// Titles are up to 200 characters of any script: the shared 512-character cursor cap is too tight.
const MAX_CURSOR_LENGTH = 2048;
const DIGITS = /^\d{1,19}$/;

function scopeTag(scope: CursorScope): string {
  const base = `${scope.sortKey}:${scope.reverse ? "r" : "f"}`;
  if (scope.sortKey !== "RELEVANCE") return base;
  return `${base}:${createHash("sha256")
    .update(scope.tsQuery ?? "")
    .digest("base64url")
    .slice(0, 10)}`;
}

/** The sort value of a row, as the cursor stores it. */
function sortValue(row: ListedProduct, sortKey: ProductSortKey): string | number {
  switch (sortKey) {
    case "CREATED_AT":
      return row.createdAt.toISOString();
    case "TITLE":
      return row.title;
    case "PRICE":
      return row.priceMinor.toString();
    case "RELEVANCE":
      return row.rank ?? 0;
  }
}

/** An opaque cursor for `row` in the given order: [scope, sort value, id]. */
export function productCursor(row: ListedProduct, scope: CursorScope): string {
  return encodeCursor([scopeTag(scope), sortValue(row, scope.sortKey), row.id]);
}

function validKey(value: unknown, sortKey: ProductSortKey): value is string | number {
  switch (sortKey) {
    case "CREATED_AT":
      return typeof value === "string" && !Number.isNaN(Date.parse(value));
    case "TITLE":
      return typeof value === "string" && value.length <= 200;
    case "PRICE":
      return typeof value === "string" && DIGITS.test(value);
    case "RELEVANCE":
      return typeof value === "number" && Number.isFinite(value);
  }
}

/**
 * Decodes `after` for this order. Malformed cursors, and cursors minted for another sort key,
 * direction or search, are BAD_USER_INPUT: resuming one would silently skip or repeat rows.
 */
export function decodeProductCursor(after: string, scope: CursorScope): KeysetPosition {
  const invalid = (why = "Invalid cursor") => badUserInput(why, ["after"]);
  if (after.length > MAX_CURSOR_LENGTH) throw invalid();
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(after, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(values) || values.length !== 3) throw invalid();
  const [tag, key, id] = values as unknown[];
  if (typeof tag !== "string" || typeof id !== "string" || !isUuid(id)) throw invalid();
  if (tag !== scopeTag(scope)) throw invalid("Cursor belongs to a different sortKey, reverse or query");
  if (!validKey(key, scope.sortKey)) throw invalid();
  return { key, id };
}
