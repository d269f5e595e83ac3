import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { createHttpServer, sendJson, type HttpServerHandle, type RequestEndEvent } from "../src/index.ts";

// Prefix routes mount a protocol app (the OAuth authorization server) under a path: any method,
// any path below it, bounded metric labels, and CORS left to the app itself.
const events: RequestEndEvent[] = [];
let server: HttpServerHandle;
let url: string;

beforeAll(async () => {
  server = createHttpServer({
    logger: pino({ level: "silent" }),
    routes: { "GET /oauth/exact": (_req, res) => sendJson(res, 200, { by: "exact" }) },
    prefixRoutes: {
      "/oauth/": (req, res, info) => sendJson(res, 200, { by: "oauth", method: req.method, path: info.url.pathname }),
      "/oauth/interaction/": (_req, res) => sendJson(res, 200, { by: "interaction" }),
    },
    cors: { origins: ["https://allowed.example"] },
    onRequestEnd: (event) => events.push(event),
  });
  ({ url } = await server.listen(0, "127.0.0.1"));
});
afterAll(() => server.close(100));

const body = async (res: Response) => (await res.json()) as Record<string, unknown>;

describe("createHttpServer prefix routes", () => {
  it("serve every method and path under the prefix; the longest prefix and exact routes win", async () => {
    expect(await body(await fetch(`${url}/oauth/token`, { method: "POST", body: "a=b" }))).toEqual({
      by: "oauth",
      method: "POST",
      path: "/oauth/token",
    });
    expect(await body(await fetch(`${url}/oauth/interaction/abc/login`))).toEqual({ by: "interaction" });
    expect(await body(await fetch(`${url}/oauth/exact`))).toEqual({ by: "exact" });
    expect((await fetch(`${url}/oauthx`)).status).toBe(404);
    expect((await fetch(`${url}/oauth`)).status).toBe(404);
  });

  it("label metrics by prefix, never by the raw path", async () => {
    events.length = 0;
    await (await fetch(`${url}/oauth/auth/some-uid?x=1`)).text();
    await new Promise((r) => setTimeout(r, 20));
    expect(events.map((e) => e.route)).toEqual(["/oauth/*"]);
  });

  it("leave CORS to the mounted app: a preflight from an origin the server-wide list refuses reaches the handler", async () => {
    const preflight = await fetch(`${url}/oauth/token`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    expect(await body(preflight)).toMatchObject({ by: "oauth", method: "OPTIONS" });
    // Everywhere else the server-wide policy still refuses it.
    const elsewhere = await fetch(`${url}/graphql`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    expect(elsewhere.status).toBe(403);
  });
});
