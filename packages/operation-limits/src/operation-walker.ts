import { Kind, type FragmentDefinitionNode, type SelectionSetNode, type FieldNode } from "graphql";

/** Fragments by name, for walking an operation with its spreads inlined. */
export type FragmentMap = ReadonlyMap<string, FragmentDefinitionNode>;

/**
 * Visits left in a walk. Repeated spreads of nested fragments expand exponentially (a fragment
 * bomb fits in a few hundred tokens), so every walk spends from a fixed budget and stops when
 * it runs out; callers treat an exhausted budget as a rejection.
 */
export interface WalkBudget {
  left: number;
}

/** A fresh budget; far above any legitimate operation's expanded size. */
export const newBudget = (visits = 50_000): WalkBudget => ({ left: visits });

/**
 * Visits every field of a selection set, inlining fragment spreads. A fragment already on the
 * current path is skipped, so cyclic or unknown fragments can never recurse forever (the crash
 * graphql-depth-limit has); graphql-js validation reports those separately anyway.
 */
export function forEachField(
  selectionSet: SelectionSetNode,
  fragments: FragmentMap,
  visit: (field: FieldNode, path: ReadonlySet<string>) => void,
  budget: WalkBudget,
  seen: ReadonlySet<string> = new Set(),
): void {
  for (const selection of selectionSet.selections) {
    if (--budget.left < 0) return;
    if (selection.kind === Kind.FIELD) visit(selection, seen);
    else if (selection.kind === Kind.INLINE_FRAGMENT)
      forEachField(selection.selectionSet, fragments, visit, budget, seen);
    else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      if (!fragment || seen.has(name)) continue;
      forEachField(fragment.selectionSet, fragments, visit, budget, new Set([...seen, name]));
    }
  }
}

/**
 * Depth of a selection set: root fields are depth 1. `path` holds the fragments being expanded
 * above this point, carried across fields so `fragment A { friend { ...A } }` ends.
 */
export function selectionDepth(
  selectionSet: SelectionSetNode,
  fragments: FragmentMap,
  budget: WalkBudget,
  path: ReadonlySet<string> = new Set(),
): number {
  let max = 0;
  forEachField(
    selectionSet,
    fragments,
    (field, seen) => {
      max = Math.max(max, 1 + (field.selectionSet ? selectionDepth(field.selectionSet, fragments, budget, seen) : 0));
    },
    budget,
    path,
  );
  return max;
}
