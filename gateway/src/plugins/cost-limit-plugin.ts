import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { codedError, ErrorCode } from "@shopgraph/errors";
import { DEFAULT_COST_MODEL, selectionCost, type CostModel, newBudget, fragmentsOf } from "@shopgraph/operation-limits";

/** Options for {@link costLimitPlugin}. */
export interface CostLimitOptions extends CostModel {
  /** Highest estimated cost accepted. Default 10,000: a 100-item page of orders with items and products fits; a page nested in a page does not. */
  maxCost: number;
}

/** Context field the plugin fills in, read later by cost-weighted rate limiting. */
export interface CostContext extends BaseContext {
  operationCost?: number;
}

/** Defaults (see the README's operation-limits table). */
export const DEFAULT_COST_LIMIT: CostLimitOptions = { maxCost: 10_000, ...DEFAULT_COST_MODEL };

/**
 * Rejects operations whose estimated cost exceeds the limit, after the operation is resolved
 * (so variables are known) and before the query is planned — no subgraph is called.
 */
export function costLimitPlugin<C extends CostContext>(
  options: CostLimitOptions = DEFAULT_COST_LIMIT,
): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, schema, request, contextValue }) {
          if (!operation) return;
          const root = operation.operation === "mutation" ? schema.getMutationType() : schema.getQueryType();
          if (!root) return;
          const cost = selectionCost(
            schema,
            operation.selectionSet,
            root,
            fragmentsOf(document),
            request.variables ?? {},
            options,
            newBudget(),
          );
          contextValue.operationCost = cost;
          if (cost > options.maxCost) {
            throw codedError(
              ErrorCode.GRAPHQL_VALIDATION_FAILED,
              `Operation cost ${Number.isFinite(cost) ? cost : "(too large to count)"} exceeds the limit of ${options.maxCost}`,
              { status: 400, limit: "cost" },
            );
          }
        },
      };
    },
  };
}
