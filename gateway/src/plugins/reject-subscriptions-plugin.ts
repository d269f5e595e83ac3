import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { codedError, ErrorCode } from "@shopgraph/errors";

/**
 * The gateway cannot execute subscriptions and would answer them with HTTP 500; until
 * subscriptions exist they are a coded client error (400).
 */
export function rejectSubscriptionsPlugin<C extends BaseContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation === "subscription") {
            throw codedError(ErrorCode.GRAPHQL_VALIDATION_FAILED, "Subscriptions are not supported", { status: 400 });
          }
        },
      };
    },
  };
}
