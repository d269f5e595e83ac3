import DataLoader from "dataloader";

/**
 * A per-request DataLoader keyed by id: one batched query per tick, results put back in key
 * order, null for ids that do not exist (or are not visible).
 */
export function createByIdLoader<V>(
  fetch: (ids: readonly string[]) => Promise<V[]>,
  idOf: (value: V) => string,
): DataLoader<string, V | null> {
  return new DataLoader(async (ids) => {
    const rows = await fetch(ids);
    const byId = new Map(rows.map((row) => [idOf(row), row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** A per-request DataLoader for child lists: one query for every parent in the tick. */
export function createGroupLoader<V>(
  fetch: (keys: readonly string[]) => Promise<V[]>,
  keyOf: (value: V) => string,
): DataLoader<string, V[]> {
  return new DataLoader(async (keys) => {
    const groups = Map.groupBy(await fetch(keys), keyOf);
    return keys.map((key) => groups.get(key) ?? []);
  });
}
