import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { describe, expect, it } from "vitest";
import {
  badUserInput,
  codedError,
  createErrorFormatter,
  DomainError,
  ErrorCode,
  forbidden,
  hasCode,
  INTERNAL_MESSAGE,
  isInternal,
  notFound,
  toPayload,
  unauthenticated,
  userError,
} from "../src/index.ts";

const format = createErrorFormatter();
const formatted = (error: GraphQLError, path?: (string | number)[]): GraphQLFormattedError => ({
  ...error.toJSON(),
  ...(path ? { path } : {}),
});

describe("createErrorFormatter", () => {
  it("masks an uncoded error (a resolver bug, SQL text, a subgraph's serviceName) as INTERNAL_SERVER_ERROR with nothing else", () => {
    const leak = new GraphQLError('relation "User" does not exist at db.internal:5432', {
      extensions: {
        serviceName: "users",
        exception: { stacktrace: ["at query (/app/src/db.ts:1)"] },
        requestId: "r-1",
      },
    });
    const out = format(formatted(leak, ["me"]), leak);
    expect(out).toEqual({ message: INTERNAL_MESSAGE, path: ["me"], extensions: { code: "INTERNAL_SERVER_ERROR" } });
    expect(isInternal(formatted(leak))).toBe(true);
  });

  it("masks a code that is not public (an invented or INTERNAL_SERVER_ERROR code) the same way", () => {
    for (const code of ["DATABASE_EXPLODED", "INTERNAL_SERVER_ERROR"]) {
      const error = new GraphQLError("details", { extensions: { code } });
      expect(format(formatted(error), error)).toEqual({
        message: INTERNAL_MESSAGE,
        extensions: { code: "INTERNAL_SERVER_ERROR" },
      });
    }
  });

  it("keeps a coded error's message and only the public extensions; drops http, stack and serviceName", () => {
    const error = codedError(ErrorCode.RATE_LIMITED, "Too many requests", {
      status: 429,
      retryAfter: 12,
      serviceName: "gateway",
      secret: "x",
    });
    const out = format({ ...formatted(error), locations: [{ line: 1, column: 3 }] }, error);
    expect(out).toEqual({
      message: "Too many requests",
      locations: [{ line: 1, column: 3 }],
      extensions: { code: "RATE_LIMITED", retryAfter: 12 },
    });
    expect(isInternal(out)).toBe(false);
  });

  it("drops graphql-js 'Did you mean' hints unless showSuggestions is on", () => {
    const error = new GraphQLError('Cannot query field "categoriez" on type "Query". Did you mean "categories"?', {
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    });
    expect(format(formatted(error), error).message).toBe('Cannot query field "categoriez" on type "Query".');
    expect(createErrorFormatter({ showSuggestions: true })(formatted(error), error).message).toContain("Did you mean");
  });
});

describe("coded errors", () => {
  it("carry stable codes, a request-level HTTP status only where it belongs, and the field at fault", () => {
    expect(unauthenticated().extensions).toEqual({ code: "UNAUTHENTICATED" });
    expect(unauthenticated("Invalid token", true, "TOKEN_EXPIRED").extensions).toEqual({
      code: "UNAUTHENTICATED",
      reason: "TOKEN_EXPIRED",
      http: { status: 401 },
    });
    expect(forbidden().extensions).toEqual({ code: "FORBIDDEN" });
    expect(notFound().extensions).toEqual({ code: "NOT_FOUND" });
    expect(badUserInput("`first` must be at most 100", ["first"]).extensions).toEqual({
      code: "BAD_USER_INPUT",
      field: ["first"],
    });
    expect(hasCode(forbidden(), ErrorCode.FORBIDDEN)).toBe(true);
    expect(hasCode(forbidden(), ErrorCode.NOT_FOUND)).toBe(false);
    expect(hasCode(new Error("FORBIDDEN"), ErrorCode.FORBIDDEN)).toBe(false);
  });
});

describe("toPayload", () => {
  it("returns the value with no userErrors on success", async () => {
    expect(await toPayload("user", async () => ({ id: "1" }))).toEqual({ user: { id: "1" }, userErrors: [] });
  });

  it("turns a DomainError into null plus all of its userErrors", async () => {
    const errors = [userError("EMAIL_TAKEN", "taken", ["input", "email"]), userError("WEAK_PASSWORD", "weak")];
    expect(
      await toPayload("user", async () => {
        throw new DomainError(...errors);
      }),
    ).toEqual({ user: null, userErrors: errors });
    expect(errors[1]).not.toHaveProperty("field");
  });

  it("lets any other error propagate, to be masked by the formatter", async () => {
    await expect(
      toPayload("user", async () => {
        throw new Error("connection reset");
      }),
    ).rejects.toThrow("connection reset");
  });
});
