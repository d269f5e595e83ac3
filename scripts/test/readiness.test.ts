import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { findBusyPorts, isPortFree, waitForReady } from "../lib/readiness.ts";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A local server whose /readyz answers 503 for the first `notReadyPolls` polls, then 200. */
async function serve(notReadyPolls: number): Promise<{ url: string; port: number; polls: () => number }> {
  let polls = 0;
  const server = createServer((req, res) => {
    if (req.url === "/readyz") polls += 1;
    res.statusCode = polls > notReadyPolls ? 200 : 503;
    res.end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/readyz`, port, polls: () => polls };
}

describe("waitForReady", () => {
  it("polls until the endpoint answers 200", async () => {
    const target = await serve(3);
    await expect(waitForReady(target.url, { timeoutMs: 5_000, intervalMs: 10 })).resolves.toEqual({ ready: true });
    expect(target.polls()).toBe(4);
  });

  it("times out with the last answer", async () => {
    const target = await serve(Number.POSITIVE_INFINITY);
    // The timeouts leave a first poll time to be answered on a loaded machine (the first fetch of a
    // process loads undici); a server that never gets ready still ends in "timeout".
    await expect(waitForReady(target.url, { timeoutMs: 1_500, intervalMs: 20 })).resolves.toEqual({
      ready: false,
      reason: "timeout",
      lastResult: "HTTP 503",
    });
  });

  it("names a refused connection", async () => {
    const target = await serve(0);
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const result = await waitForReady(target.url, { timeoutMs: 1_500, intervalMs: 20 });
    expect(result).toEqual({ ready: false, reason: "timeout", lastResult: "ECONNREFUSED" });
  });

  it("stops at once when aborted", async () => {
    const target = await serve(Number.POSITIVE_INFINITY);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    const result = await waitForReady(target.url, { timeoutMs: 10_000, intervalMs: 1_000, signal: controller.signal });
    expect(result).toMatchObject({ ready: false, reason: "aborted" });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe("findBusyPorts", () => {
  it("reports ports something already listens on", async () => {
    const busy = await serve(0);
    expect(await isPortFree(busy.port, "127.0.0.1")).toBe(false);
    const freed = await serve(0);
    await new Promise((resolve) => servers.pop()?.close(resolve));
    expect(await findBusyPorts([busy.port, freed.port], "127.0.0.1")).toEqual([busy.port]);
  });
});
