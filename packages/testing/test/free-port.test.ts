import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort } from "../src/free-port.ts";

describe("freePort", () => {
  it("hands out distinct, bindable ports below the kernel's ephemeral range", async () => {
    const ports = await Promise.all(Array.from({ length: 30 }, () => freePort()));
    expect(new Set(ports).size).toBe(30);
    for (const port of ports) expect(port).toBeLessThan(32_768);
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(ports[0], "127.0.0.1", resolve));
    await new Promise((resolve) => server.close(resolve));
  });
});
