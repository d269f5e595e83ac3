import { connect } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrivateRedis, type PrivateRedis } from "../src/index.ts";

// The fault suite's own redis-server does what the fault tests rely on: a restart is empty, a
// frozen server answers nothing, a stopped one refuses connections.

describe("private redis-server", () => {
  let server: PrivateRedis;
  let client: Redis;
  beforeAll(async () => {
    server = await startPrivateRedis();
    const options = {
      commandTimeout: 200,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 50,
      lazyConnect: true,
    };
    client = new Redis(server.url, options);
    await client.connect();
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.close();
  });

  it("freezes (commands time out) and thaws (the same connection answers again)", async () => {
    await client.set("k", "v");
    server.freeze();
    await expect(client.get("k")).rejects.toThrow(/timed out/i);
    server.thaw();
    await expect(client.get("k")).resolves.toBe("v");
  });

  it("restarts empty on the same port", async () => {
    await client.set("k", "v");
    await server.restartEmpty();
    const fresh = new Redis(server.url, { lazyConnect: true });
    await fresh.connect();
    expect(await fresh.get("k")).toBeNull();
    expect(await fresh.dbsize()).toBe(0);
    fresh.disconnect();
  });

  it("refuses connections while stopped and serves once started", async () => {
    await server.stop();
    expect(server.running).toBe(false);
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(server.port, "127.0.0.1", () => resolve("connected"));
      socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(refused).toBe("ECONNREFUSED");
    await server.start();
    const again = new Redis(server.url, { lazyConnect: true });
    await again.connect();
    expect(await again.ping()).toBe("PONG");
    again.disconnect();
  });
});
