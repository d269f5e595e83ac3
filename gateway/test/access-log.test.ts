import type { IncomingMessage } from "node:http";
import { Writable } from "node:stream";
import { createOperationState } from "@shopgraph/http";
import { createLogger } from "@shopgraph/logger";
import { describe, expect, it } from "vitest";
import { accessLogPlugin } from "../src/plugins/access-log-plugin.ts";

/** A production logger (e-mails redacted too) whose lines are read back, without their timestamp. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split("\n")) {
        if (!text) continue;
        const { time: _time, ...line } = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
      }
      done();
    },
  });
  return { lines, logger: createLogger({ service: "gateway", level: "info", redactEmails: true, destination }) };
}

describe("accessLogPlugin", () => {
  it("writes exactly what the redacting logger would: its fields hold no credential, token or e-mail", () => {
    const { lines, logger } = capture();
    const onComplete = accessLogPlugin<{ operation: ReturnType<typeof createOperationState> }>({ logger, slowMs: 50 });
    const operation = createOperationState();
    Object.assign(operation, { name: "Login", type: "mutation", errorCodes: ["BAD_USER_INPUT", "BAD_USER_INPUT"] });
    const req = {
      headers: { "apollographql-client-name": "web", "apollographql-client-version": "1.2.3" },
    } as unknown as IncomingMessage;
    for (const [status, durationMs] of [
      [200, 3],
      [400, 80],
      [500, 1],
    ] as const)
      onComplete({ req, requestId: "r-1", status, durationMs, context: { operation } });
    onComplete({
      req: { headers: {} } as IncomingMessage,
      requestId: "r-2",
      status: 413,
      durationMs: 1,
      context: undefined,
    });
    expect(lines.map((line) => [line.level, line.msg, line.status])).toEqual([
      [30, "graphql request", 200],
      [40, "graphql request (slow)", 400],
      [50, "graphql request", 500],
      [30, "graphql request", 413],
    ]);
    expect(lines[0]).toMatchObject({
      requestId: "r-1",
      operationName: "Login",
      operationType: "mutation",
      errors: 2,
      errorCodes: ["BAD_USER_INPUT"],
      clientName: "web",
      clientVersion: "1.2.3",
    });
    // Each line's fields logged again through the redacting logger come out unchanged.
    const written = [...lines];
    for (const { level: _level, service: _service, msg, ...fields } of written) logger.info(fields, String(msg));
    expect(lines.slice(written.length).map(({ level: _level, ...rest }) => rest)).toEqual(
      written.map(({ level: _level, ...rest }) => rest),
    );
  });
});
