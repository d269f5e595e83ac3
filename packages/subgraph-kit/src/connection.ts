import { Kind, type GraphQLResolveInfo, type SelectionNode } from "graphql";
import { badUserInput } from "@shopgraph/errors";
import { isUuid } from "@shopgraph/util";

/** Contract defaults for Relay connections. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Validates `first` (0…100, default 20); anything else is BAD_USER_INPUT naming the limit. */
export function parseFirst(first: number | null | undefined, field: string[] = ["first"]): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0) throw badUserInput("`first` must be a non-negative integer", field);
  if (first > MAX_PAGE_SIZE) throw badUserInput(`\`first\` must be at most ${MAX_PAGE_SIZE}`, field);
  return first;
}

/** Encodes keyset values as an opaque cursor. */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString("base64url");
}

/** Kinds of values a cursor may hold, checked on decode so a forged cursor cannot reach SQL. */
export type CursorPart = "string" | "number" | "date" | "uuid";

/** Decodes and validates a cursor; malformed → BAD_USER_INPUT on `after`. */
export function decodeCursor(
  cursor: string,
  shape: readonly CursorPart[],
  field: string[] = ["after"],
): (string | number)[] {
  const invalid = () => badUserInput("Invalid cursor", field);
  if (cursor.length > 512) throw invalid();
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(values) || values.length !== shape.length) throw invalid();
  return shape.map((kind, i) => {
    const v: unknown = values[i];
    switch (kind) {
      case "number":
        if (typeof v !== "number" || !Number.isFinite(v)) throw invalid();
        return v;
      case "date":
        if (typeof v !== "string" || Number.isNaN(Date.parse(v))) throw invalid();
        return v;
      case "uuid":
        if (typeof v !== "string" || !isUuid(v)) throw invalid();
        return v;
      case "string":
        if (typeof v !== "string") throw invalid();
        return v;
    }
  });
}

/** A Relay connection; `totalCount` is a thunk so the COUNT only runs when selected. */
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: () => Promise<number>;
}

/**
 * Shapes a page fetched with `take: first + 1` into a connection: the extra row only tells
 * whether a next page exists.
 */
export function toConnection<T>(
  rows: T[],
  first: number,
  hasAfter: boolean,
  cursorOf: (row: T) => string,
  count: () => Promise<number>,
): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: hasAfter,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    totalCount: count,
  };
}

/** Cursor over the newest-first (createdAt, id) order most lists use. */
export const createdAtCursor = (row: { createdAt: Date; id: string }) =>
  encodeCursor([row.createdAt.toISOString(), row.id]);

/** The (createdAt, id) a {@link createdAtCursor} holds; undefined for no cursor, BAD_USER_INPUT for a malformed one. */
export function decodeCreatedAtCursor(after: string | null | undefined): { createdAt: string; id: string } | undefined {
  if (!after) return undefined;
  const [createdAt, id] = decodeCursor(after, ["date", "uuid"]) as [string, string];
  return { createdAt, id };
}

/**
 * Prisma `where` for "after this (createdAt, id)" in newest-first order, with id as the tiebreaker
 * so rows sharing a timestamp are neither skipped nor repeated.
 */
export function createdAtAfter(after: string | null | undefined): object | undefined {
  const cursor = decodeCreatedAtCursor(after);
  if (!cursor) return undefined;
  const at = new Date(cursor.createdAt);
  return { OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: cursor.id } }] };
}

/** Newest-first order matching {@link createdAtAfter}. */
export const NEWEST_FIRST = [{ createdAt: "desc" }, { id: "desc" }] as const;

/**
 * Whether the field being resolved selects `name` directly (through inline fragments and named
 * fragments too), e.g. a connection's `totalCount`: lets a resolver start that work in parallel
 * with the page instead of after it, and skip it when nobody asked.
 */
export function selectsField(info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">, name: string): boolean {
  const visit = (selections: readonly SelectionNode[], seen: Set<string>): boolean =>
    selections.some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === name;
      if (s.kind === Kind.INLINE_FRAGMENT) return visit(s.selectionSet.selections, seen);
      if (seen.has(s.name.value)) return false;
      seen.add(s.name.value);
      const fragment = info.fragments[s.name.value];
      return fragment ? visit(fragment.selectionSet.selections, seen) : false;
    });
  return info.fieldNodes.some(
    (node) => node.selectionSet !== undefined && visit(node.selectionSet.selections, new Set()),
  );
}
