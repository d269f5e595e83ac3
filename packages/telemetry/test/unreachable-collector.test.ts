import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { startTelemetry, withSpan } from "../src/index.ts";

/** A port nothing listens on (bound, then released). */
const closedPort = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, "127.0.0.1", () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  });
});
const telemetry = startTelemetry({
  serviceName: "unit",
  tracesUrl: `http://127.0.0.1:${closedPort}/v1/traces`,
  samplerRatio: 1,
  exportTimeoutMs: 500,
});
afterAll(() => telemetry.shutdown());

describe("a collector that cannot be reached", () => {
  it("never fails the traced work: exports fail in the background", async () => {
    expect(telemetry.exporting).toBe(true);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => withSpan(`request ${i}`, {}, async () => i)),
    );
    expect(results).toHaveLength(20);
    await expect(telemetry.forceFlush()).resolves.toBeUndefined();
    await expect(withSpan("after the failed export", {}, async () => "still fine")).resolves.toBe("still fine");
  });
});
