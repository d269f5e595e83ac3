import { HeaderMap, type ApolloServerPlugin, type BaseContext } from "@apollo/server";
import { GraphQLError } from "graphql";
import { ErrorCode } from "@shopgraph/errors";
import { countCredentialFields, totalAttempts, fragmentsOf } from "@shopgraph/operation-limits";
import type { RateLimitStore } from "../rate-limit/rate-limit-store.ts";

/** Options for {@link rateLimitPlugin}; defaults in the README. */
export interface RateLimitOptions {
  store: RateLimitStore;
  windowMs: number;
  /** Cost points per window for a signed-in user. Default 20,000. */
  userPoints: number;
  /** Cost points per window per IP for anonymous callers. Default 10,000. */
  anonymousPoints: number;
  /** login/register/refreshSession attempts per window per IP (credential stuffing). Default 10. */
  credentialAttempts: number;
  /** Root fields that spend from the credential bucket. */
  credentialFields: ReadonlySet<string>;
  /** Most points one request can spend (the cost limit: costlier requests are refused anyway). */
  maxPointsPerRequest: number;
  /** A store failure lets requests through (logged): the limiter must not become the outage. */
  onStoreError?: (error: unknown) => void;
  /** Called with the bucket ("credentials" or "cost") of every rejection (metrics). */
  onReject?: (bucket: string) => void;
}

/** What the plugin reads from the context. */
export interface RateLimitContext extends BaseContext {
  viewer: { id: string } | null;
  clientIp: string;
  operationCost?: number;
}

function rejection(retryAfterMs: number, bucket: string): GraphQLError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new GraphQLError(`Rate limit exceeded (${bucket}); retry after ${retryAfter} s`, {
    extensions: {
      code: ErrorCode.RATE_LIMITED,
      retryAfter,
      // Apollo Server iterates `headers` (a HeaderMap) when building the response; graphql's own
      // typing of `extensions.http.headers` (augmented by the gateway package) says a record.
      http: {
        status: 429,
        headers: new HeaderMap([["retry-after", String(retryAfter)]]) as unknown as Record<string, string>,
      },
    },
  });
}

/**
 * Rate limits weighted by operation cost: an expensive query spends more of the caller's budget
 * than a cheap one. Keyed by user id when authenticated, by IP otherwise; credential mutations
 * also spend from a small per-IP bucket, one point per field occurrence however it is reached
 * (aliases, inline and named fragments at any depth; only selections `@skip`/`@include` certainly
 * exclude given the variables are free: see countCredentialFields).
 * Must run after the cost plugin has set `operationCost` (see the plugin order in server.ts).
 */
export function rateLimitPlugin<C extends RateLimitContext>(options: RateLimitOptions): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, contextValue }) {
          // A live subscription's per-event query: the subscription paid once, at admission.
          if (!operation || (contextValue as { live?: { mode: string } }).live?.mode === "event") return;
          try {
            // Capped just above the bucket: an unbounded count (exhausted walk) must still be a number for the store.
            const counted = totalAttempts(
              countCredentialFields(
                operation,
                fragmentsOf(document),
                request.variables ?? {},
                options.credentialFields,
              ),
            );
            const attempts = Math.min(counted, options.credentialAttempts + 1);
            if (attempts > 0) {
              const auth = await options.store.consume(
                `auth:ip:${contextValue.clientIp}`,
                attempts,
                options.credentialAttempts,
                options.windowMs,
              );
              if (!auth.allowed) {
                options.onReject?.("credentials");
                throw rejection(auth.resetMs, "sign-in attempts");
              }
            }
            const points = Math.min(
              options.maxPointsPerRequest,
              Math.max(1, Math.ceil(contextValue.operationCost ?? 1)),
            );
            const [key, limit] = contextValue.viewer
              ? [`api:user:${contextValue.viewer.id}`, options.userPoints]
              : [`api:ip:${contextValue.clientIp}`, options.anonymousPoints];
            const api = await options.store.consume(key, points, limit, options.windowMs);
            if (!api.allowed) {
              options.onReject?.("cost");
              throw rejection(api.resetMs, "query cost");
            }
          } catch (error) {
            if (error instanceof GraphQLError) throw error;
            options.onStoreError?.(error);
          }
        },
      };
    },
  };
}
