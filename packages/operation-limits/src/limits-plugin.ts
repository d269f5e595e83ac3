import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { codedError, ErrorCode } from "@shopgraph/errors";
import { countCredentialFields } from "./credential-fields.ts";
import { selectionCost, type CostModel } from "./operation-cost.ts";
import { newBudget } from "./operation-walker.ts";
import { fragmentsOf } from "./validation-rules.ts";

/** Options for {@link variableLimitsPlugin}: the limits that need the request's variables. */
export interface VariableLimitsOptions extends CostModel {
  /** Highest estimated cost accepted (`first`, list sizes and entity representations multiply). */
  maxCost: number;
  /** Root mutation fields that try a credential (login, register, refreshSession). */
  credentialFields: ReadonlySet<string>;
  /** How often each of them may run in one operation. */
  maxCredentialFields: number;
}

/**
 * Rejects an operation that costs too much or tries too many credentials, once the operation is
 * resolved (variables known: `first`, `@skip`/`@include` and representations arrive as
 * variables) and before any resolver runs: HTTP 400, GRAPHQL_VALIDATION_FAILED with `limit`.
 */
export function variableLimitsPlugin<C extends BaseContext>(options: VariableLimitsOptions): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, schema, request }) {
          if (!operation) return;
          const variables = request.variables ?? {};
          const fragments = fragmentsOf(document);
          for (const [field, count] of countCredentialFields(
            operation,
            fragments,
            variables,
            options.credentialFields,
          )) {
            if (count > options.maxCredentialFields) {
              const message = `At most ${options.maxCredentialFields} ${field} per operation`;
              throw codedError(ErrorCode.GRAPHQL_VALIDATION_FAILED, message, {
                status: 400,
                limit: "credentialFields",
              });
            }
          }
          const roots = {
            query: schema.getQueryType(),
            mutation: schema.getMutationType(),
            subscription: schema.getSubscriptionType(),
          };
          const root = roots[operation.operation];
          if (!root) return;
          const cost = selectionCost(schema, operation.selectionSet, root, fragments, variables, options, newBudget());
          if (cost > options.maxCost) {
            const shown = Number.isFinite(cost) ? cost : "(too large to count)";
            const message = `Operation cost ${shown} exceeds the limit of ${options.maxCost}`;
            throw codedError(ErrorCode.GRAPHQL_VALIDATION_FAILED, message, { status: 400, limit: "cost" });
          }
        },
      };
    },
  };
}
