import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { describe, expect, it } from "vitest";

// embedded-postgres.ts wraps PGLiteSocketServer's PRIVATE handleConnection to queue connections instead
// of refusing them. A private method can change in any release: these tests pin what the wrapper relies
// on, so an upgrade that changes it fails here (review queueConnections, then update the pins) instead
// of turning into random "Connection terminated unexpectedly" in development.
const PINNED_VERSION = "0.2.17";
/** sha256 of `handleConnection.toString()` in the pinned version. */
const PINNED_HANDLE_CONNECTION = "991a68ae3c729e07e4a750f58128021ee7e51e25686fa81fd20022f22a02a960";

const proto = PGLiteSocketServer.prototype as unknown as { handleConnection?: unknown; getStats?: unknown };
const source = String(proto.handleConnection);

describe("the pglite-socket private method embedded-postgres.ts wraps", () => {
  it("is the pinned version of the package", () => {
    const require = createRequire(import.meta.url);
    const entry = require.resolve("@electric-sql/pglite-socket");
    const pkgPath = entry.slice(0, entry.lastIndexOf("/dist/")) + "/package.json";
    expect((JSON.parse(readFileSync(pkgPath, "utf8")) as { version: string }).version).toBe(PINNED_VERSION);
  });

  it("still exists, with the exact code the wrapper was written against", () => {
    expect(typeof proto.handleConnection).toBe("function");
    expect(typeof proto.getStats).toBe("function");
    expect(createHash("sha256").update(source).digest("hex")).toBe(PINNED_HANDLE_CONNECTION);
  });

  it("takes its slot (handlers.add) before its first await, which the FIFO queue depends on", () => {
    const added = source.indexOf("this.handlers.add(");
    expect(added).toBeGreaterThan(0);
    expect(added).toBeLessThan(source.indexOf("await "));
  });
});
