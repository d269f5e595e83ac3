import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { ErrorCode, PUBLIC_CODES } from "./codes.ts";

/** What the plugin needs from the per-request context. */
export interface ErrorLoggingContext extends BaseContext {
  requestId: string;
  logger: { error: (obj: object, msg: string) => void };
}

/**
 * Logs every unexpected error in full (with the request id) and stamps that request id onto the
 * masked INTERNAL_SERVER_ERRORs, so a client report can be matched with the log line.
 */
export function errorLoggingPlugin<C extends ErrorLoggingContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue, operationName }) {
          for (const error of errors) {
            // Duck-typed: a CJS and an ESM copy of graphql can both be loaded, defeating instanceof.
            const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
            if (typeof code === "string" && PUBLIC_CODES.has(code)) continue;
            // Parse, validation and variable errors are the client's mistakes, answered with a 400.
            if (!error.path && !error.originalError) continue;
            const original = error.originalError ?? error;
            contextValue.logger.error(
              { err: original, path: error.path, operationName, requestId: contextValue.requestId },
              "unexpected error",
            );
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== "single") return;
          for (const error of response.body.singleResult.errors ?? []) {
            if (error.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR) {
              (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
          }
        },
      };
    },
  };
}
