import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { attachMetricsServer, createHttpServer, sendJson, type HttpServerHandle } from "../src/index.ts";

const TOKEN = "scrape-token-0123456789abcdef";
let open: HttpServerHandle;
let locked: HttpServerHandle;
const urls: { open: { url: string; metricsUrl?: string }; locked: { url: string; metricsUrl?: string } } = {
  open: { url: "" },
  locked: { url: "" },
};

const handler = (_req: unknown, res: ServerResponse) => {
  res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end("up 1\n");
};
const newServer = () =>
  createHttpServer({
    logger: pino({ level: "silent" }),
    routes: { "GET /thing": (_req, res) => sendJson(res, 200, {}) },
  });

beforeAll(async () => {
  open = attachMetricsServer(newServer(), { handler, port: 0 });
  locked = attachMetricsServer(newServer(), { handler, port: 0, token: TOKEN });
  urls.open = await open.listen(0, "127.0.0.1");
  urls.locked = await locked.listen(0, "127.0.0.1");
});
afterAll(async () => {
  await open.close(100);
  await locked.close(100);
});

describe("metrics listener", () => {
  it("serves /metrics on its own port, bound to 127.0.0.1 by default, and not on the public port", async () => {
    expect(urls.open.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(urls.open.metricsUrl!).port).not.toBe(new URL(urls.open.url).port);
    const scrape = await fetch(urls.open.metricsUrl!);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toBe("up 1\n");
    const publicPort = await fetch(`${urls.open.url}/metrics`);
    expect(publicPort.status).toBe(404);
    expect((await fetch(`${urls.open.url}/thing`)).status).toBe(200);
  });

  it("answers nothing but GET /metrics", async () => {
    const base = new URL(urls.open.metricsUrl!).origin;
    expect((await fetch(`${base}/graphql`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(405);
  });

  it("enforces METRICS_TOKEN: no token or a wrong one is 401, the right bearer token scrapes", async () => {
    const none = await fetch(urls.locked.metricsUrl!);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      "UNAUTHENTICATED",
    );
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const wrong = await fetch(urls.locked.metricsUrl!, { headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}x` } });
    expect(wrong.status).toBe(401);
    const basic = await fetch(urls.locked.metricsUrl!, { headers: { authorization: `Basic ${TOKEN}` } });
    expect(basic.status).toBe(401);
    const right = await fetch(urls.locked.metricsUrl!, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(right.status).toBe(200);
    expect(await right.text()).toBe("up 1\n");
  });

  it("closes the metrics listener with the server", async () => {
    const extra = attachMetricsServer(newServer(), { handler, port: 0 });
    const { metricsUrl } = await extra.listen(0, "127.0.0.1");
    await extra.close(100);
    await expect(fetch(metricsUrl!)).rejects.toThrow();
  });
});
