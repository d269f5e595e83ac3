import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { createErrorFormatter, isOutageError, OUTAGE_MESSAGE } from "../src/index.ts";

// Shapes as the real libraries throw them (Prisma 7 with @prisma/adapter-pg, pg, ioredis), seen
// against a stopped PostgreSQL / Redis; gateway/test/e2e/outage-errors.faults.test.ts has the live fault.
const prismaUnreachable = Object.assign(new Error("Can't reach database server at 127.0.0.1:5999"), {
  name: "PrismaClientKnownRequestError",
  code: "P1001",
  meta: {
    driverAdapterError: {
      name: "DriverAdapterError",
      cause: { kind: "DatabaseNotReachable", host: "127.0.0.1", port: 5999 },
    },
  },
});
const adapterClosed = Object.assign(new Error("Invalid invocation"), {
  name: "PrismaClientKnownRequestError",
  code: "P2010",
  meta: { driverAdapterError: { cause: { kind: "ConnectionClosed" } } },
});
const adminShutdown = Object.assign(new Error("terminating connection due to administrator command"), {
  code: "57P01",
});
const terminated = new Error("Connection terminated unexpectedly");
const RETRYABLE = { code: "SERVICE_UNAVAILABLE", retryable: true };
const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { code: "ECONNREFUSED" });
const redisOffline = new Error("Stream isn't writeable and enableOfflineQueue options is false");
const redisRetries = Object.assign(new Error("Reached the max retries per request limit (which is 1)."), {
  name: "MaxRetriesPerRequestError",
});

describe("outage errors", () => {
  it.each([
    ["Prisma P1001", prismaUnreachable],
    ["driver adapter ConnectionClosed", adapterClosed],
    ["pg 57P01", adminShutdown],
    ["pg connection terminated", terminated],
    ["ECONNREFUSED", refused],
    ["ioredis offline", redisOffline],
    ["ioredis max retries", redisRetries],
    ["wrapped as a resolver error's cause", new Error("loading failed", { cause: prismaUnreachable })],
    ["inside an AggregateError", new AggregateError([new Error("x"), refused])],
    [
      "a service's own dependency error marked as an outage",
      Object.assign(new Error("products answered 503"), { outage: true }),
    ],
  ])("recognises %s", (_name, error) => {
    expect(isOutageError(error)).toBe(true);
  });

  it.each([
    ["a bug", new TypeError("Cannot read properties of undefined (reading 'id')")],
    [
      "a unique violation",
      Object.assign(new Error("Unique constraint failed"), { name: "PrismaClientKnownRequestError", code: "P2002" }),
    ],
    ["a syntax error in SQL", Object.assign(new Error("syntax error at or near"), { code: "42601" })],
    ["nothing", undefined],
  ])("does not mistake %s for an outage", (_name, error) => {
    expect(isOutageError(error)).toBe(false);
  });

  it("formats an outage as SERVICE_UNAVAILABLE, retryable, with no internals; other unknown errors stay masked", () => {
    const format = createErrorFormatter();
    const raw = new GraphQLError("Can't reach database server at 127.0.0.1:5999", {
      path: ["products"],
      originalError: prismaUnreachable,
    });
    expect(format({ message: raw.message, path: ["products"] }, raw)).toEqual({
      message: OUTAGE_MESSAGE,
      path: ["products"],
      extensions: RETRYABLE,
    });
    const bug = new GraphQLError("boom", { originalError: new TypeError("boom") });
    expect(format({ message: "boom" }, bug)).toEqual({
      message: "Internal server error",
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    });
    // Coming back through the gateway, the code and retryable flag are kept.
    const fromSubgraph = {
      message: OUTAGE_MESSAGE,
      path: ["x"],
      extensions: { ...RETRYABLE, serviceName: "products" },
    };
    expect(format(fromSubgraph)).toEqual({ message: OUTAGE_MESSAGE, path: ["x"], extensions: RETRYABLE });
  });
});
