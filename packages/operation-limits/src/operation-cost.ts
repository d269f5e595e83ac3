import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type GraphQLSchema,
  type GraphQLCompositeType,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import type { FragmentMap, WalkBudget } from "./operation-walker.ts";

/** How list sizes are estimated when costing an operation. */
export interface CostModel {
  /** Size assumed for a connection whose `first` is absent and has no schema default. */
  defaultFirst: number;
  /** Size assumed for plain lists without `first` (order items, categories). */
  assumedListSize: number;
  /**
   * Largest page a subgraph serves (the contract caps `first` at 100). Larger values are costed
   * at this size: the subgraph refuses them with the contract's BAD_USER_INPUT, which the
   * gateway must not pre-empt with a different code.
   */
  maxPageSize: number;
}

/** Defaults: the contract's page size, and a generous guess for bounded plain lists. */
export const DEFAULT_COST_MODEL: CostModel = { defaultFirst: 20, assumedListSize: 10, maxPageSize: 100 };

/** Length of a list argument given the variables (federation's `representations`); undefined if unknown. */
function listLength(node: ValueNode | undefined, variables: Record<string, unknown>): number | undefined {
  if (node?.kind === Kind.LIST) return node.values.length;
  if (node?.kind === Kind.VARIABLE) {
    const value = variables[node.name.value];
    return Array.isArray(value) ? value.length : undefined;
  }
  return undefined;
}

function intValue(node: ValueNode | undefined, variables: Record<string, unknown>): number | undefined {
  if (!node) return undefined;
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.VARIABLE) {
    const value = variables[node.name.value];
    return typeof value === "number" && Number.isInteger(value) ? value : undefined;
  }
  return undefined;
}

/**
 * Estimated cost of a selection set: every field costs 1 per time it can be resolved; a field
 * with `first` multiplies its children by `first` — from a literal, from a variable, or from the
 * schema default — so a page size cannot be smuggled in through variables. Runs after graphql-js
 * validation, which has already refused fragment cycles; the budget bounds fragment fan-out.
 */
export function selectionCost(
  schema: GraphQLSchema,
  set: SelectionSetNode,
  parent: GraphQLCompositeType,
  fragments: FragmentMap,
  variables: Record<string, unknown>,
  model: CostModel,
  budget: WalkBudget,
  multiplier = 1,
): number {
  let total = 0;
  for (const selection of set.selections) {
    if (--budget.left < 0) return Number.POSITIVE_INFINITY;
    if (selection.kind === Kind.INLINE_FRAGMENT || selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      if (!fragment) continue;
      const typed = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : parent;
      total += selectionCost(
        schema,
        fragment.selectionSet,
        (typed ?? parent) as GraphQLCompositeType,
        fragments,
        variables,
        model,
        budget,
        multiplier,
      );
      continue;
    }
    total += multiplier;
    if (!selection.selectionSet) continue;
    const fields = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields() : {};
    const definition = fields[selection.name.value];
    if (!definition) continue;
    let childMultiplier = multiplier;
    const firstArg = definition.args.find((a) => a.name === "first");
    if (firstArg) {
      const given = intValue(selection.arguments?.find((a) => a.name.value === "first")?.value, variables);
      const fallback = typeof firstArg.defaultValue === "number" ? firstArg.defaultValue : model.defaultFirst;
      childMultiplier *= Math.min(model.maxPageSize, Math.max(1, given ?? fallback));
    } else if (selection.name.value === "_entities") {
      // Subgraphs only: an entity fetch resolves its selection once per representation sent.
      const representations = selection.arguments?.find((a) => a.name.value === "representations")?.value;
      childMultiplier *= Math.max(1, listLength(representations, variables) ?? model.assumedListSize);
    } else if (isListType(getNullableType(definition.type)) && selection.name.value !== "edges") {
      // A connection's edges were already multiplied by `first` at the connection field.
      childMultiplier *= model.assumedListSize;
    }
    const child = getNamedType(definition.type) as GraphQLCompositeType;
    total += selectionCost(schema, selection.selectionSet, child, fragments, variables, model, budget, childMultiplier);
  }
  return total;
}
