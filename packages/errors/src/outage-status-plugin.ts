import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { ErrorCode } from "./codes.ts";

/** Codes that mean "a dependency is down, retry later" rather than "your request is wrong". */
const RETRYABLE: ReadonlySet<unknown> = new Set([ErrorCode.SERVICE_UNAVAILABLE, ErrorCode.SUBGRAPH_UNAVAILABLE]);

/**
 * HTTP 503 (with Retry-After) when nothing could be answered because a dependency is down: every
 * error is retryable and no root field has data. Partial answers stay 200: the client has data.
 * Load balancers and HTTP clients then retry or fail over on the status alone.
 */
export function outageStatusPlugin<C extends BaseContext>(
  options: { retryAfterSeconds?: number } = {},
): ApolloServerPlugin<C> {
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== "single") return;
          const { data, errors } = response.body.singleResult;
          if (!errors?.length || !errors.every((error) => RETRYABLE.has(error.extensions?.code))) return;
          if (data && Object.values(data).some((value) => value !== null)) return;
          response.http.status = 503;
          response.http.headers.set("retry-after", retryAfter);
        },
      };
    },
  };
}
