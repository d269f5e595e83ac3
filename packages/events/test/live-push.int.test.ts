import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@shopgraph/testing";
import { createEnvelope, createHttpPushPublisher, withLivePush } from "../src/index.ts";
import { logger } from "./support.ts";

// withLivePush over real HTTP servers: the gateway push follows the durable one, best effort.

interface Received {
  token: string | undefined;
  ids: string[];
}

/** A local endpoint that records what it was sent and answers `status`. */
async function endpoint(status: () => number) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const events = (JSON.parse(body) as { events: { id: string }[] }).events;
      const token = req.headers["x-service-token"];
      received.push({ token: typeof token === "string" ? token : undefined, ids: events.map((e) => e.id) });
      res.writeHead(status(), { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/x`, received, close: () => new Promise((r) => server.close(r)) };
}

let inboxStatus = 200;
let inbox: Awaited<ReturnType<typeof endpoint>>;
let gateway: Awaited<ReturnType<typeof endpoint>>;
beforeAll(async () => {
  inbox = await endpoint(() => inboxStatus);
  gateway = await endpoint(() => 200);
});
afterAll(async () => {
  await inbox.close();
  await gateway.close();
});

const publisher = (liveUrls: string[]) =>
  withLivePush(createHttpPushPublisher({ endpoints: [inbox.url], serviceToken: "service-credential" }), {
    endpoints: liveUrls,
    credential: "gateway-credential",
    logger,
  });

describe("withLivePush", () => {
  it("pushes to the gateways with the gateway credential once the inboxes stored the batch", async () => {
    const event = createEnvelope("order.paid", {});
    await publisher([gateway.url]).publish([event]);
    expect(inbox.received.at(-1)).toEqual({ token: "service-credential", ids: [event.id] });
    expect(gateway.received.at(-1)).toEqual({ token: "gateway-credential", ids: [event.id] });
  });

  it("does not push to the gateways when the inbox refused the batch (the relay retries it whole)", async () => {
    const before = gateway.received.length;
    inboxStatus = 503;
    try {
      await expect(publisher([gateway.url]).publish([createEnvelope("order.paid", {})])).rejects.toThrow(/HTTP 503/);
    } finally {
      inboxStatus = 200;
    }
    expect(gateway.received).toHaveLength(before);
  });

  it("a gateway that is down costs the live push only: the batch still counts as published", async () => {
    const down = `http://127.0.0.1:${await freePort()}/internal/live-events`;
    const event = createEnvelope("order.paid", {});
    await expect(publisher([down]).publish([event])).resolves.toBeUndefined();
    expect(inbox.received.at(-1)?.ids).toEqual([event.id]);
  });

  it("without gateway URLs it is the durable publisher itself", () => {
    const durable = createHttpPushPublisher({ endpoints: [inbox.url] });
    expect(withLivePush(durable, { endpoints: [], credential: "x", logger })).toBe(durable);
  });
});
