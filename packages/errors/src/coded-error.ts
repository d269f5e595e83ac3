import { GraphQLError } from "graphql";
import { ErrorCode } from "./codes.ts";

/** Extra, client-safe details carried in `extensions`. */
export interface CodedErrorOptions {
  /** HTTP status for request-level failures (bad token 401, limits 400/429); omit for field errors. */
  status?: number;
  /** Input path at fault, e.g. ["first"]. */
  field?: string[];
  [key: string]: unknown;
}

/** A GraphQL error with a stable `extensions.code`. */
export function codedError(code: ErrorCode, message: string, options: CodedErrorOptions = {}): GraphQLError {
  const { status, ...rest } = options;
  return new GraphQLError(message, {
    extensions: { code, ...rest, ...(status ? { http: { status } } : {}) },
  });
}

/**
 * No valid credentials. `requestLevel` gives the whole response HTTP 401 (a bad token); `reason`
 * (TOKEN_EXPIRED, TOKEN_INVALID, TOKEN_REVOKED) tells a client whether refreshing can help.
 */
export const unauthenticated = (message = "Authentication required", requestLevel = false, reason?: string) =>
  codedError(ErrorCode.UNAUTHENTICATED, message, {
    ...(requestLevel ? { status: 401 } : {}),
    ...(reason ? { reason } : {}),
  });

/** Authenticated but not allowed. */
export const forbidden = (message = "Not allowed") => codedError(ErrorCode.FORBIDDEN, message);

/** Invalid argument values; `field` names the argument path. */
export const badUserInput = (message: string, field?: string[]) =>
  codedError(ErrorCode.BAD_USER_INPUT, message, field ? { field } : {});

/** The thing does not exist or is not visible to this viewer (never a hint which). */
export const notFound = (message = "Not found") => codedError(ErrorCode.NOT_FOUND, message);

/** True when `error` is a GraphQLError with the given code. */
export function hasCode(error: unknown, code: ErrorCode): boolean {
  return error instanceof GraphQLError && error.extensions?.code === code;
}
