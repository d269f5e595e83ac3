import { Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from "graphql";

/** At most this many errors per failed fetch (an entity fan-out of thousands must not bloat the response). */
export const MAX_PATHS_PER_FETCH = 100;

type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;
type Path = (string | number)[];

/** Response keys of a selection set, fragments flattened; `typename` picks the matching inline fragments. */
function responseKeys(
  set: SelectionSetNode,
  fragments: Fragments,
  typename: string | undefined,
  keys: Set<string>,
): Set<string> {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== "__typename") keys.add(selection.alias?.value ?? selection.name.value);
      continue;
    }
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
    if (!fragment) continue;
    const on = fragment.typeCondition?.name.value;
    if (typename === undefined || on === undefined || on === typename)
      responseKeys(fragment.selectionSet, fragments, typename, keys);
  }
  return keys;
}

/**
 * The paths (relative to the fetch, as a subgraph would report them) of the fields a failed fetch
 * leaves null: each root field, or each entity's fields as `["_entities", i, field]`. The gateway
 * maps these to the client's paths exactly as it maps a subgraph's own errors.
 */
export function unavailablePaths(
  document: DocumentNode | undefined,
  variables: Record<string, unknown> | undefined,
): Path[] {
  const operation = document?.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!document || !operation || operation.kind !== Kind.OPERATION_DEFINITION) return [];
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const root = operation.selectionSet.selections;
  const entities =
    root.length === 1 && root[0]!.kind === Kind.FIELD && root[0]!.name.value === "_entities" ? root[0]! : undefined;
  const representations = variables?.representations;
  if (!entities?.selectionSet || !Array.isArray(representations)) {
    return [...responseKeys(operation.selectionSet, fragments, undefined, new Set())]
      .slice(0, MAX_PATHS_PER_FETCH)
      .map((key) => [key]);
  }
  const paths: Path[] = [];
  const keysByType = new Map<string, string[]>();
  for (let i = 0; i < representations.length && paths.length < MAX_PATHS_PER_FETCH; i++) {
    const typename = (representations[i] as { __typename?: unknown } | null)?.__typename;
    const type = typeof typename === "string" ? typename : "";
    let keys = keysByType.get(type);
    if (!keys)
      keysByType.set(type, (keys = [...responseKeys(entities.selectionSet, fragments, type || undefined, new Set())]));
    for (const key of keys) if (paths.length < MAX_PATHS_PER_FETCH) paths.push(["_entities", i, key]);
  }
  return paths;
}
