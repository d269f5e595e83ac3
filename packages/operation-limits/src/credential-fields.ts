import { Kind, type DirectiveNode, type OperationDefinitionNode, type SelectionSetNode, type ValueNode } from "graphql";
import { newBudget, type FragmentMap } from "./operation-walker.ts";

/**
 * The root mutations that try a credential (password guesses, sign-ups, refresh-token guesses,
 * social-login codes) or start one (a social login keeps a flow server-side and calls the provider).
 */
export const CREDENTIAL_FIELDS: ReadonlySet<string> = new Set([
  "login",
  "register",
  "refreshSession",
  "startSocialLogin",
  "completeSocialLogin",
  "linkIdentity",
]);

/** A boolean argument's value given the variables; undefined when it cannot be known. */
function booleanValue(node: ValueNode | undefined, variables: Record<string, unknown>): boolean | undefined {
  if (node?.kind === Kind.BOOLEAN) return node.value;
  if (node?.kind === Kind.VARIABLE) {
    const value = variables[node.name.value];
    return typeof value === "boolean" ? value : undefined;
  }
  return undefined;
}

/**
 * True only when `@skip`/`@include` certainly leave the selection out with these variables. An
 * unknown or malformed condition counts as included: when in doubt, the attempt is counted.
 */
function certainlySkipped(
  directives: readonly DirectiveNode[] | undefined,
  variables: Record<string, unknown>,
): boolean {
  for (const directive of directives ?? []) {
    const condition = booleanValue(directive.arguments?.find((a) => a.name.value === "if")?.value, variables);
    if (directive.name.value === "skip" && condition === true) return true;
    if (directive.name.value === "include" && condition === false) return true;
  }
  return false;
}

/**
 * How many times each credential field would run in a mutation, however the document reaches it:
 * aliases, inline fragments, named fragments nested at any depth, each spread counted every time
 * it appears. Selections that `@skip`/`@include` certainly exclude (given the variables) are not
 * counted; everything else is, so the count never falls below what executes (repeated identical
 * fields that graphql-js would merge are counted once per occurrence: conservative). The walk
 * spends from a fixed budget; an exhausted budget reports `Infinity` for every field (refused).
 */
export function countCredentialFields(
  operation: OperationDefinitionNode,
  fragments: FragmentMap,
  variables: Record<string, unknown>,
  fields: ReadonlySet<string> = CREDENTIAL_FIELDS,
): Map<string, number> {
  const counts = new Map<string, number>();
  if (operation.operation !== "mutation") return counts;
  const budget = newBudget();
  const walk = (set: SelectionSetNode, path: ReadonlySet<string>): void => {
    for (const selection of set.selections) {
      if (--budget.left < 0) return;
      if (certainlySkipped(selection.directives, variables)) continue;
      if (selection.kind === Kind.FIELD) {
        if (fields.has(selection.name.value))
          counts.set(selection.name.value, (counts.get(selection.name.value) ?? 0) + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, path);
      } else {
        const fragment = fragments.get(selection.name.value);
        // A cycle is a validation error anyway; skipping it keeps the walk finite.
        if (!fragment || path.has(fragment.name.value)) continue;
        walk(fragment.selectionSet, new Set([...path, fragment.name.value]));
      }
    }
  };
  walk(operation.selectionSet, new Set());
  if (budget.left < 0) for (const name of fields) counts.set(name, Number.POSITIVE_INFINITY);
  return counts;
}

/** Total credential attempts in a count (what the per-IP credential bucket is charged). */
export const totalAttempts = (counts: ReadonlyMap<string, number>): number =>
  [...counts.values()].reduce((a, b) => a + b, 0);
