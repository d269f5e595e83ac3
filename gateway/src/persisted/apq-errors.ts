import type { GraphQLFormattedError } from "graphql";
import { ErrorCode } from "@shopgraph/errors";

/** Apollo Server's own message for an APQ hash that is not the sha256 of the query sent with it. */
export const APQ_HASH_MISMATCH = "provided sha does not match query";

/**
 * Apollo Server answers an APQ hash mismatch with HTTP 400 but an error without a code, which the
 * masking formatter turned into "Internal server error". This keeps Apollo's message and status
 * and gives it the code Apollo uses for malformed requests (BAD_REQUEST). Apollo refuses the
 * request before storing anything, so a wrong hash never registers a query.
 */
export function withApqErrors<E>(format: (formatted: GraphQLFormattedError, error?: E) => GraphQLFormattedError) {
  return (formatted: GraphQLFormattedError, error?: E): GraphQLFormattedError => {
    // Apollo stamps uncoded errors INTERNAL_SERVER_ERROR before formatError sees them.
    const code = formatted.extensions?.code;
    if (
      !formatted.path &&
      formatted.message === APQ_HASH_MISMATCH &&
      (code === undefined || code === ErrorCode.INTERNAL_SERVER_ERROR)
    ) {
      return { message: APQ_HASH_MISMATCH, extensions: { code: ErrorCode.BAD_REQUEST } };
    }
    return format(formatted, error);
  };
}
