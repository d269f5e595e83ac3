import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { createHttpServer, sendJson, type HttpServerHandle } from "../src/index.ts";

let server: HttpServerHandle;
let url: string;
const APP = "http://localhost:5173";

beforeAll(async () => {
  server = createHttpServer({
    logger: pino({ level: "silent" }),
    cors: { origins: [APP] },
    routes: { "POST /graphql": (_req, res) => sendJson(res, 200, { data: {} }) },
  });
  ({ url } = await server.listen(0, "127.0.0.1"));
});
afterAll(() => server.close(100));

/** A preflight as a browser sends it before a cross-origin POST with custom headers. */
function preflight(origin: string, headers: string) {
  return fetch(`${url}/graphql`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": headers },
  });
}

describe("CORS preflight", () => {
  it("allows browser tracing and Apollo client-awareness headers from an allowed origin", async () => {
    const requested = [
      "content-type",
      "authorization",
      "traceparent",
      "tracestate",
      "baggage",
      "apollographql-client-name",
      "apollographql-client-version",
    ];
    const res = await preflight(APP, requested.join(","));
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(APP);
    const allowed = (res.headers.get("access-control-allow-headers") ?? "").split(",").map((h) => h.trim());
    for (const header of requested) expect(allowed).toContain(header);
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("refuses a preflight from an origin that is not listed, without allow headers", async () => {
    const res = await preflight("http://localhost:5174", "traceparent");
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect(res.headers.get("access-control-allow-headers")).toBeNull();
  });
});
