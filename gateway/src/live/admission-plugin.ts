import { HeaderMap, type ApolloServerPlugin } from "@apollo/server";
import { codedError, ErrorCode } from "@shopgraph/errors";
import type { DocumentNode, OperationDefinitionNode } from "graphql";

/**
 * `admit`: a streaming transport asks whether a subscription may start; the request pipeline
 * (trusted documents, limits, cost, rate limit) runs as for a query and, instead of executing,
 * the plugin records the validated operation here. `event`: the query the gateway runs for one
 * event of an admitted subscription (already counted against the limits once, at admission).
 */
export type LiveRequestState =
  { mode: "admit"; admitted?: { document: DocumentNode; operation: OperationDefinitionNode } } | { mode: "event" };

/**
 * Subscriptions through the normal request pipeline: admitted (not executed) for the live
 * transports; a plain JSON request for a subscription is a coded 400 naming the transports
 * (@apollo/gateway itself would answer 500).
 */
export function subscriptionAdmissionPlugin<C extends { live?: LiveRequestState }>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation?.operation !== "subscription" || contextValue.live?.mode === "admit") return;
          throw codedError(
            ErrorCode.GRAPHQL_VALIDATION_FAILED,
            "Subscriptions need a streaming transport: multipart HTTP (Accept: multipart/mixed;subscriptionSpec=1.0), Server-Sent Events (Accept: text/event-stream) or WebSocket (graphql-transport-ws)",
            { status: 400 },
          );
        },
        // Runs only once every didResolveOperation hook (limits, cost, rate limit) let the operation through.
        async responseForOperation({ operation, document, contextValue }) {
          if (operation.operation !== "subscription" || contextValue.live?.mode !== "admit") return null;
          contextValue.live.admitted = { document, operation };
          return { http: { status: 200, headers: new HeaderMap() }, body: { kind: "single", singleResult: {} } };
        },
      };
    },
  };
}
