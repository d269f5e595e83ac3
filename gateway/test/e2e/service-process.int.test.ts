import { freePort } from "@shopgraph/testing";
import { sleep } from "@shopgraph/util";
import { describe, expect, it } from "vitest";
import { startServiceProcess } from "./service-process.ts";

describe("startServiceProcess", () => {
  it("stops a process that never gets ready before it rejects: nothing outlives the failed start", async () => {
    const port = await freePort();
    const error = await startServiceProcess("gateway/test/e2e/fixtures/never-ready.ts", port, {}, 1_500).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/not ready within 1500 ms/);
    // The port answered while it ran (the readiness poll got 503s) and is free again once it is gone.
    await sleep(100);
    const answered = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.status,
      () => "refused",
    );
    expect(answered).toBe("refused");
  });

  it("reports a process that exits before it is ready, with its output", async () => {
    const error = await startServiceProcess("gateway/test/e2e/fixtures/missing-entry.ts", await freePort(), {}).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/exited \(1\) before it was ready/);
  });
});
