import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, lazyChildLogger } from "../src/index.ts";

/** A parsed log line, with the fields the tests read. */
interface LogLine {
  [field: string]: unknown;
  req?: { headers: Record<string, string> };
  email?: string;
}

function capture(redactEmails = false) {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { lines, logger: createLogger({ service: "svc", level: "debug", redactEmails, destination }) };
}

describe("createLogger", () => {
  it("writes JSON lines with the service name and the configured level", () => {
    const { lines, logger } = capture();
    logger.debug({ requestId: "r1" }, "hello");
    logger.child({ operationName: "Me" }).trace("dropped below debug");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 20, service: "svc", requestId: "r1", msg: "hello" });
  });

  it("redacts authorization headers, cookies, passwords, tokens and payment tokens wherever they sit", () => {
    const { lines, logger } = capture();
    logger.info(
      {
        req: {
          headers: { authorization: "Bearer abc", cookie: "sid=1", "x-service-token": "svc-secret", "set-cookie": "a" },
        },
        headers: { authorization: "Bearer def" },
        input: { password: "hunter2", newPassword: "n", paymentToken: "tok_visa" },
        variables: { input: { password: "p", paymentToken: "tok_x" }, refreshToken: "rt" },
        accessToken: "at",
        session: { refreshToken: "rt2", token: "t" },
        email: "casey@example.com",
      },
      "request",
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of [
      "abc",
      "def",
      "sid=1",
      "svc-secret",
      "hunter2",
      "tok_visa",
      "tok_x",
      '"rt"',
      "rt2",
      '"at"',
      '"t"',
    ])
      expect(text).not.toContain(secret);
    expect(lines[0]!.req?.headers.authorization).toBe("[redacted]");
    // E-mail addresses are kept in development (debugging), redacted in production.
    expect(lines[0]!.email).toBe("casey@example.com");
  });

  it("redacts e-mail addresses when asked (production)", () => {
    const { lines, logger } = capture(true);
    logger.info({ email: "a@b.c", user: { email: "d@e.f" }, variables: { input: { email: "g@h.i" } } }, "x");
    expect(JSON.stringify(lines[0])).not.toMatch(/@/);
  });

  it("a lazy child logs as nested pino children would, and builds nothing until it logs", () => {
    const { lines, logger } = capture();
    let children = 0;
    const counting = new Proxy(logger, {
      get: (target, property) =>
        property === "child"
          ? (...args: Parameters<typeof logger.child>) => (children++, target.child(...args))
          : Reflect.get(target, property, target),
    });
    const lazy = lazyChildLogger(counting, { requestId: "r1" }).child({ operationName: "Me", operationType: "query" });
    expect(children).toBe(0);
    lazy.info({ status: 200 }, "done");
    lazy.warn("again");
    expect(children).toBe(1);
    logger
      .child({ requestId: "r1" })
      .child({ operationName: "Me", operationType: "query" })
      .info({ status: 200 }, "done");
    const [viaLazy, again, nested] = lines.map(({ time: _time, ...rest }) => rest);
    expect(viaLazy).toEqual(nested);
    expect(again).toMatchObject({ level: 40, requestId: "r1", operationName: "Me", msg: "again" });
    expect(lazy.isLevelEnabled("debug")).toBe(true);
  });
});
