import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContextDidResolveOperation } from "@apollo/server";
import type { DocumentNode, OperationDefinitionNode } from "graphql";
import {
  applyRemovals,
  rejectedResult,
  type AccessAnalyzer,
  type AccessDecision,
  type AccessSubject,
} from "@shopgraph/auth";

/** Options for {@link authorizationPlugin}. */
export interface AuthorizationPluginOptions<C> {
  /** The analyzer of the supergraph now serving (swapped when the supergraph file changes); unset: nothing is enforced yet. */
  analyzer: () => AccessAnalyzer | undefined;
  /** Who asks. The gateway never holds the service credential. */
  subjectOf: (context: C) => AccessSubject;
  /** Called once per request that lost fields (metrics, logs). */
  onDenied?: (decision: AccessDecision, context: C) => void;
}

// Apollo types these readonly for plugins, but the pipeline executes (and the gateway plans) what is
// on the request context after didResolveOperation; rewriting them is how an operation is changed.
type Writable<C> = {
  document: DocumentNode;
  queryHash: string;
  operation: OperationDefinitionNode | undefined;
  contextValue: C;
};

/**
 * Enforces `@authenticated`, `@requiresScopes` and `@policy` before planning, as Apollo Router
 * does: fields the caller may not have are removed from the operation, the rest is planned and
 * executed, and each removed field is answered `null` with a FORBIDDEN or UNAUTHENTICATED error at
 * its path. An operation with nothing left is answered with those errors only, no subgraph called.
 *
 * The rewritten document gets its own queryHash: the gateway's plan cache is keyed by it, so a
 * narrower caller never reuses (or poisons) the full document's plan. Decisions are cached per
 * document and kind of caller (access-analyzer.ts). Place it after the trusted-documents check
 * (which matches the client's document) and before the cost and rate limits, which then count
 * what is actually executed.
 */
export function authorizationPlugin<C extends object>(options: AuthorizationPluginOptions<C>): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      let decision: AccessDecision | undefined;
      return {
        // Synchronous before any await: plugins after this one in the list read the rewritten document.
        async didResolveOperation(requestContext: GraphQLRequestContextDidResolveOperation<C>) {
          const analyzer = options.analyzer();
          if (!analyzer) return;
          const { queryHash, document, operationName, contextValue } = requestContext;
          const decided = analyzer.decide(queryHash, document, operationName, options.subjectOf(contextValue));
          if (decided.removals.length === 0) return;
          decision = decided;
          options.onDenied?.(decided, contextValue);
          if (decided.rejected) return;
          const writable = requestContext as unknown as Writable<C>;
          writable.document = decided.document;
          writable.queryHash = decided.queryHash!;
          writable.operation = decided.operation;
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
            // The response body is set by now and later hooks (cache policy, logs) see the completed one.
            async executionDidEnd() {
              const body = requestContext.response.body;
              if (body?.kind !== "single") return;
              const result = body.singleResult;
              const { data, errors } = applyRemovals(result.data, removed.tree);
              result.data = data;
              // Never an empty list: the spec allows `errors` only with at least one error.
              const all = [...(result.errors ?? []), ...errors];
              if (all.length > 0) result.errors = all;
            },
          };
        },
      };
    },
  };
}
