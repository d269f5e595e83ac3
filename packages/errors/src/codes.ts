/** The error codes clients may see (the contract's list plus Apollo's request-level codes). */
export const ErrorCode = {
  UNAUTHENTICATED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  BAD_USER_INPUT: "BAD_USER_INPUT",
  NOT_FOUND: "NOT_FOUND",
  RATE_LIMITED: "RATE_LIMITED",
  PERSISTED_QUERY_NOT_FOUND: "PERSISTED_QUERY_NOT_FOUND",
  PERSISTED_QUERY_NOT_SUPPORTED: "PERSISTED_QUERY_NOT_SUPPORTED",
  GRAPHQL_VALIDATION_FAILED: "GRAPHQL_VALIDATION_FAILED",
  GRAPHQL_PARSE_FAILED: "GRAPHQL_PARSE_FAILED",
  BAD_REQUEST: "BAD_REQUEST",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  OPERATION_RESOLUTION_FAILURE: "OPERATION_RESOLUTION_FAILURE",
  SUBGRAPH_UNAVAILABLE: "SUBGRAPH_UNAVAILABLE",
  /** A shared dependency (PostgreSQL, Redis) is unreachable: `retryable: true`, HTTP 503 when nothing could be answered. */
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
  /** Live updates: too many subscriptions for this user or this connection (`limit` says how many). */
  SUBSCRIPTION_LIMIT_EXCEEDED: "SUBSCRIPTION_LIMIT_EXCEEDED",
  /** Live updates: the subscriber fell further behind than its buffer; the stream ended (`retryable: true`). */
  SUBSCRIBER_TOO_SLOW: "SUBSCRIBER_TOO_SLOW",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes whose message is written for clients and may pass the masking formatter unchanged. */
export const PUBLIC_CODES: ReadonlySet<string> = new Set(
  Object.values(ErrorCode).filter((c) => c !== "INTERNAL_SERVER_ERROR"),
);

/** Extension keys (besides `code`) that are safe to show clients. */
export const PUBLIC_EXTENSIONS: readonly string[] = [
  "field",
  "retryAfter",
  "limit",
  "requestId",
  "reason",
  "retryable",
];
