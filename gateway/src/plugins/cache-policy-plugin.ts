import type { ApolloServerPlugin, BaseContext, GraphQLRequestContextWillSendResponse } from "@apollo/server";
import {
  getNamedType,
  isAbstractType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  BREAK,
  type DocumentNode,
  type GraphQLSchema,
} from "graphql";

/** Options for {@link cachePolicyPlugin}. */
export interface CachePolicyOptions {
  /**
   * Types that hold one person's data: selecting any field of them, or a field returning them,
   * makes the response `no-store` whatever the subgraphs said. Default User, Order, Notification.
   */
  privateTypes?: readonly string[];
}

type CachePolicy = GraphQLRequestContextWillSendResponse<BaseContext>["overallCachePolicy"];

/** The header value for a response nobody may store. */
export const NO_STORE = "no-store";

/** True when the operation selects a field of, or a field returning, one of the private types. */
export function touchesPrivateType(
  schema: GraphQLSchema,
  document: DocumentNode,
  privateTypes: ReadonlySet<string>,
): boolean {
  const typeInfo = new TypeInfo(schema);
  const isPrivate = (name: string | undefined) => name !== undefined && privateTypes.has(name);
  let found = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const returned = getNamedType(typeInfo.getType() ?? undefined);
        const abstractHit =
          returned && isAbstractType(returned) && schema.getPossibleTypes(returned).some((t) => isPrivate(t.name));
        if (isPrivate(parent?.name) || isPrivate(returned?.name) || abstractHit) {
          found = true;
          return BREAK;
        }
        return undefined;
      },
    }),
  );
  return found;
}

/**
 * The gateway's HTTP cache policy. Apollo Gateway already restricts the request's cache policy
 * with every subgraph response's Cache-Control (RemoteGraphQLDataSource: the smallest max-age
 * wins, any `private` wins, a `no-store` or missing header counts as max-age 0). On top of that:
 * an operation touching per-user types is `no-store`, a request with an Authorization header is
 * `private` (RFC 9111 lets shared caches store an authorized response marked `public`), a response
 * with errors is `no-store`, and `Vary: Authorization, Origin` goes on every answer. This plugin writes the
 * header itself, so Apollo's cache-control plugin must run with `calculateHttpHeaders: false`.
 */
export function cachePolicyPlugin<C extends BaseContext>(options: CachePolicyOptions = {}): ApolloServerPlugin<C> {
  const privateTypes = new Set(options.privateTypes ?? ["User", "Order", "Notification"]);
  // Apollo hands every request of one query text the same cached DocumentNode (and one schema per
  // supergraph), so each document is walked once per schema, not on every cacheable response.
  const verdicts = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, boolean>>();
  const touchesPrivate = (schema: GraphQLSchema, document: DocumentNode): boolean => {
    let bySchema = verdicts.get(schema);
    if (!bySchema) verdicts.set(schema, (bySchema = new WeakMap()));
    let verdict = bySchema.get(document);
    if (verdict === undefined) bySchema.set(document, (verdict = touchesPrivateType(schema, document, privateTypes)));
    return verdict;
  };
  const header = (
    policy: CachePolicy,
    authorized: boolean,
    hasErrors: boolean,
    touchesPrivate: () => boolean,
  ): string => {
    const cacheable = policy.policyIfCacheable();
    if (!cacheable || hasErrors || touchesPrivate()) return NO_STORE;
    const scope = authorized || cacheable.scope === "PRIVATE" ? "private" : "public";
    return `${scope}, max-age=${cacheable.maxAge}`;
  };
  return {
    async requestDidStart({ request }) {
      const authorized = request.http?.headers.has("authorization") ?? false;
      return {
        async willSendResponse({ response, overallCachePolicy, document, schema }) {
          const hasErrors = response.body.kind !== "single" || (response.body.singleResult.errors?.length ?? 0) > 0;
          // The walk runs only for responses that would otherwise be cacheable (catalog reads).
          const value = header(
            overallCachePolicy,
            authorized,
            hasErrors,
            () => !document || touchesPrivate(schema, document),
          );
          response.http.headers.set("cache-control", value);
          // Origin too: a shared cache must not hand one origin's CORS answer to another (the HTTP
          // layer merges this with the Vary it has already set).
          response.http.headers.set("vary", "Authorization, Origin");
        },
      };
    },
  };
}
