import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import type { Logger } from "@shopgraph/logger";

/** Per-request facts about the GraphQL operation, kept on the context for logs and metrics. */
export interface OperationState {
  /** The client's operation name as sent (logs); null when anonymous or not yet parsed. */
  name: string | null;
  /** The bounded label for metrics (see createOperationNameLabeler). */
  label: string;
  /** query | mutation | subscription, or "unknown" when the operation never resolved (parse/validation errors). */
  type: string;
  startedAt: number;
  /** `extensions.code` of every error in the response, as sent. */
  errorCodes: string[];
}

/**
 * A fresh state for a request's context. Create it in the context factory: Apollo hands plugins
 * and resolvers a shallow copy of the context, so only a shared object lets code outside
 * Apollo's pipeline (the route's access log) see what the plugin recorded.
 */
export function createOperationState(): OperationState {
  return { name: null, label: "anonymous", type: "unknown", startedAt: performance.now(), errorCodes: [] };
}

/** What the plugin reads and writes on the context. */
export interface ObservedContext extends BaseContext {
  logger: Logger;
  operation?: OperationState;
}

/** A finished operation, for metrics. */
export interface OperationFinished {
  operation: string;
  type: string;
  durationMs: number;
  errorCodes: readonly string[];
}

// graphql-js quotes the offending variable value in coercion errors; values never go on a span.
const VARIABLE_VALUE = /got invalid value [\s\S]*?(?=; | at "|$)/;

/** An error message fit for a span: the variable values graphql-js quotes in coercion errors are cut out. */
export function spanSafeMessage(message: string): string {
  return message.replace(VARIABLE_VALUE, "got invalid value [redacted]").slice(0, 500);
}

/** Options for {@link operationObserverPlugin}. */
export interface OperationObserverOptions {
  /** Maps a client-chosen operation name to a bounded metric label. */
  label: (name: string | null | undefined) => string;
  /** Called once per operation after the response is formatted (metrics). */
  onFinished?: (event: OperationFinished) => void;
}

/**
 * Observes every GraphQL operation: puts its name and type on the context's logger (so every line
 * logged while resolving it says which operation it served) and on the active span, records every
 * error on the span, and reports the finished operation with its error codes. Runs on the gateway
 * and on every subgraph.
 */
export function operationObserverPlugin<C extends ObservedContext>(
  options: OperationObserverOptions,
): ApolloServerPlugin<C> {
  return {
    async requestDidStart({ contextValue, request }) {
      const state = (contextValue.operation ??= createOperationState());
      state.name = request.operationName ?? null;
      state.label = options.label(null);
      const span = trace.getActiveSpan();
      return {
        async didResolveOperation({ operation, operationName }) {
          state.name = operationName ?? null;
          state.label = options.label(operationName);
          state.type = operation?.operation ?? "unknown";
          contextValue.logger = contextValue.logger.child({
            operationName: state.name ?? undefined,
            operationType: state.type,
          });
          // Name and type only: variables and the document may hold passwords, tokens or personal data.
          span?.setAttributes({ "graphql.operation.name": state.label, "graphql.operation.type": state.type });
        },
        async didEncounterErrors({ errors }) {
          if (!span) return;
          for (const error of errors) {
            const code = (error.extensions as { code?: unknown } | undefined)?.code;
            span.recordException({
              name: typeof code === "string" ? code : "GraphQLError",
              message: spanSafeMessage(error.message),
            });
          }
          span.setStatus({ code: SpanStatusCode.ERROR, message: "GraphQL errors" });
        },
        async willSendResponse({ response }) {
          const errors = response.body.kind === "single" ? (response.body.singleResult.errors ?? []) : [];
          state.errorCodes = errors.map((e) =>
            typeof e.extensions?.code === "string" ? e.extensions.code : "INTERNAL_SERVER_ERROR",
          );
          options.onFinished?.({
            operation: state.label,
            type: state.type,
            durationMs: performance.now() - state.startedAt,
            errorCodes: state.errorCodes,
          });
        },
      };
    },
  };
}
