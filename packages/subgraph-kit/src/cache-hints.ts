import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { ApolloServerPluginCacheControl } from "@apollo/server/plugin/cacheControl";
import { ApolloServerPluginCacheControlDisabled } from "@apollo/server/plugin/disabled";
import { BREAK, visit, type DocumentNode } from "graphql";

/** True when the SDL puts `@cacheControl` on a type or field (its definition alone does not count). */
export function usesCacheHints(typeDefs: DocumentNode): boolean {
  let found = false;
  visit(typeDefs, {
    Directive(node) {
      if (node.name.value !== "cacheControl") return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}

/**
 * The HTTP cache policy of a subgraph's answers, which the gateway folds into its own
 * (RemoteGraphQLDataSource: smallest max-age wins, `no-store` counts as 0).
 *
 * A subgraph whose SDL has `@cacheControl` hints keeps Apollo's cache-control plugin. Every other
 * subgraph answers `no-store` without it: the plugin computes a hint for every resolved field
 * (it makes Apollo wrap every resolver of the schema), only to arrive at `no-store` for a schema
 * without hints. Measured on the heavy admin query: see bench/results/latest.md (issue 16 §3).
 */
export function cacheHintPlugins<C extends BaseContext>(typeDefs: DocumentNode): ApolloServerPlugin<C>[] {
  if (usesCacheHints(typeDefs)) return [ApolloServerPluginCacheControl()];
  return [
    ApolloServerPluginCacheControlDisabled(),
    {
      async requestDidStart() {
        return {
          async willSendResponse({ response }) {
            if (!response.http.headers.has("cache-control")) response.http.headers.set("cache-control", "no-store");
          },
        };
      },
    },
  ];
}
