import type { GraphQLFormattedError } from "graphql";
import { ErrorCode, PUBLIC_CODES, PUBLIC_EXTENSIONS } from "./codes.ts";
import { isOutageError } from "./outage.ts";
import { maskSchemaDetails } from "./schema-masking.ts";

/** Options for {@link createErrorFormatter}. */
export interface ErrorFormatterOptions {
  /** Keep graphql-js "Did you mean …?" hints (development); production drops them (schema leakage). */
  showSuggestions?: boolean;
  /**
   * Production: request-level validation and variable errors name only what the client wrote
   * (no parent types, no argument or input-field names it did not send): see schema-masking.ts.
   */
  hideSchemaDetails?: boolean;
}

/** Codes whose request-level messages come from graphql-js and may name schema internals. */
const SCHEMA_MESSAGE_CODES: ReadonlySet<string> = new Set([
  ErrorCode.GRAPHQL_VALIDATION_FAILED,
  ErrorCode.BAD_USER_INPUT,
]);

const SUGGESTION = /\s*Did you mean .*\?$/s;

/** The message every unexpected error is replaced with. */
export const INTERNAL_MESSAGE = "Internal server error";

/** The message of an infrastructure outage (database, Redis): nothing about which or why. */
export const OUTAGE_MESSAGE = "A service this request needs is temporarily unavailable; retry shortly";

/**
 * The one error formatter of every Shopgraph server (gateway and subgraphs). Coded, intended
 * errors keep their message and safe extensions; everything else — resolver bugs, SQL errors,
 * subgraph internals — becomes INTERNAL_SERVER_ERROR with no details. `serviceName`, stack
 * traces and unknown extensions never leave the process.
 */
export function createErrorFormatter(options: ErrorFormatterOptions = {}) {
  return (formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    const base = {
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
    };
    if (typeof code !== "string" || !PUBLIC_CODES.has(code)) {
      // A lost database or Redis connection is not a bug: say so, and that a retry may work (the log keeps the cause).
      if (isOutageError(error))
        return {
          message: OUTAGE_MESSAGE,
          ...base,
          extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryable: true },
        };
      return { message: INTERNAL_MESSAGE, ...base, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
    }
    const extensions: Record<string, unknown> = { code };
    for (const key of PUBLIC_EXTENSIONS) {
      if (formatted.extensions?.[key] !== undefined) extensions[key] = formatted.extensions[key];
    }
    let message = options.showSuggestions ? formatted.message : formatted.message.replace(SUGGESTION, "");
    // Field-level BAD_USER_INPUT (with a path) is the domain's own wording; only request-level messages are graphql-js's.
    if (options.hideSchemaDetails && !formatted.path && SCHEMA_MESSAGE_CODES.has(code))
      message = maskSchemaDetails(message);
    return { message, ...base, extensions };
  };
}

/** True when a formatted error is one the formatter would mask. */
export function isInternal(formatted: GraphQLFormattedError): boolean {
  const code = formatted.extensions?.code;
  return typeof code !== "string" || !PUBLIC_CODES.has(code);
}
