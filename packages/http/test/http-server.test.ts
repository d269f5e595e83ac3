import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { createHttpServer, sendJson, type HttpServerHandle, type RequestEndEvent } from "../src/index.ts";

const events: RequestEndEvent[] = [];
let server: HttpServerHandle;
let url: string;

beforeAll(async () => {
  server = createHttpServer({
    logger: pino({ level: "silent" }),
    routes: { "GET /thing": (_req, res) => sendJson(res, 201, {}) },
    onRequestEnd: (event) => events.push(event),
  });
  ({ url } = await server.listen(0, "127.0.0.1"));
});
afterAll(() => server.close(100));

describe("createHttpServer request timing", () => {
  it("never answers /metrics on the public port (metrics have their own listener)", async () => {
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      "NOT_FOUND",
    );
  });

  it("reports every finished request with its route (never the raw URL), status and duration", async () => {
    events.length = 0;
    await (await fetch(`${url}/thing?id=123`)).text();
    await (await fetch(`${url}/no/such/${"x".repeat(10)}`)).text();
    await (await fetch(`${url}/thing`, { method: "POST" })).text();
    await new Promise((r) => setTimeout(r, 20));
    expect(events.map(({ method, route, status }) => ({ method, route, status }))).toEqual([
      { method: "GET", route: "/thing", status: 201 },
      { method: "GET", route: "unmatched", status: 404 },
      { method: "POST", route: "/thing", status: 405 },
    ]);
    for (const event of events) expect(event.durationMs).toBeGreaterThanOrEqual(0);
  });
});
