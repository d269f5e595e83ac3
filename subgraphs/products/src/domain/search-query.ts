import { badUserInput } from "@shopgraph/errors";

/** Longest `query` accepted; longer input is BAD_USER_INPUT, not silently cut. */
export const MAX_QUERY_LENGTH = 200;
/** Words of a query that count; more would only make the tsquery slower, not better. */
export const MAX_QUERY_WORDS = 10;

/**
 * Turns free text into a prefix tsquery for type-ahead: every word must match, the last one (and
 * every other) as a prefix, so "wool sca" finds "Wool Scarf". Only letters and digits survive, so
 * no tsquery operator typed by a user reaches to_tsquery. Returns undefined for a blank query
 * (no search) and "" for text without any word (a search that matches nothing).
 */
export function toPrefixTsQuery(query: string | null | undefined): string | undefined {
  if (query === null || query === undefined) return undefined;
  const text = query.trim();
  if (text === "") return undefined;
  if (text.length > MAX_QUERY_LENGTH)
    throw badUserInput(`query must be at most ${MAX_QUERY_LENGTH} characters`, ["query"]);
  const words =
    text
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return words
    .slice(0, MAX_QUERY_WORDS)
    .map((word) => `${word}:*`)
    .join(" & ");
}
