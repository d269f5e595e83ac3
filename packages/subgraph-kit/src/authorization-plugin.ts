import { HeaderMap, type ApolloServerPlugin } from "@apollo/server";
import type { DocumentNode, GraphQLSchema } from "graphql";
import {
  applyRemovals,
  createAccessAnalyzer,
  rejectedResult,
  type AccessDecision,
  type AuthContext,
} from "@shopgraph/auth";
import { codedError, ErrorCode } from "@shopgraph/errors";

/**
 * Zero trust for a subgraph's own fields: the `@authenticated`, `@requiresScopes` and `@policy`
 * of its SDL are enforced on every operation it receives, the gateway's included, with the same
 * authorizer and semantics as the gateway (refused fields removed before execution and answered
 * null with FORBIDDEN/UNAUTHENTICATED at their path; nothing left: errors only, no resolver runs).
 * Entity fetches are covered: `_entities(…) { ... on Order { … } }` checks Order's and its
 * fields' directives, and a refused entity type answers each of its items null with an error.
 *
 * One check per operation, no resolver wrapped: decisions are cached per document and caller kind.
 * Rules that depend on data (whose order it is) are the subgraph's domain code.
 */
export function subgraphAuthorizationPlugin<C extends AuthContext>(schema: GraphQLSchema): ApolloServerPlugin<C> {
  const analyzer = createAccessAnalyzer(schema);
  return {
    async requestDidStart() {
      let decision: AccessDecision | undefined;
      return {
        async didResolveOperation(requestContext) {
          const { operation, queryHash, document, operationName, contextValue } = requestContext;
          // The gateway serves subscriptions itself (resolving each event with queries); a subgraph never runs one.
          if (operation?.operation === "subscription")
            throw codedError(ErrorCode.BAD_REQUEST, "Subscriptions are served by the gateway, not by a subgraph", {
              status: 400,
            });
          const decided = analyzer.decide(queryHash, document, operationName, {
            viewer: contextValue.viewer,
            isService: contextValue.isService,
          });
          if (decided.removals.length === 0) return;
          decision = decided;
          // Apollo executes the document on the request context (typed readonly for plugins).
          if (!decided.rejected) (requestContext as { document: DocumentNode }).document = decided.document;
        },
        async responseForOperation() {
          if (!decision?.rejected) return null;
          return {
            http: { status: 200, headers: new HeaderMap() },
            body: { kind: "single", singleResult: rejectedResult(decision.tree) },
          };
        },
        async executionDidStart(requestContext) {
          if (!decision) return;
          const removed = decision;
          return {
            async executionDidEnd() {
              const body = requestContext.response.body;
              if (body?.kind !== "single") return;
              const { data, errors } = applyRemovals(body.singleResult.data, removed.tree);
              body.singleResult.data = data;
              body.singleResult.errors = [...(body.singleResult.errors ?? []), ...errors];
            },
          };
        },
      };
    },
  };
}
