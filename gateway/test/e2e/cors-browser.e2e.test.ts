import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser } from "playwright-core";
import { startStack, type Stack } from "./stack.ts";

// Real CORS preflights, sent by Chromium itself from the dev-server origins a frontend runs on
// (Vite's localhost:5173, Next's 127.0.0.1:3000), against a development gateway with no
// CORS_ORIGINS set. Playwright's request interception cannot be used for this: with a route
// installed it answers every preflight itself, permissively, so a broken CORS policy would pass.
// Instead the browser goes through a "proxy" that is really the dev server: it answers each
// page request with the app page, while the gateway's own address bypasses it, so the browser's
// OPTIONS and POST reach the gateway untouched. Nothing leaves the machine.
let stack: Stack;
let browser: Browser;
let origin: Server;
let gateway: string;
/** Every URL the fake dev server was asked for (the gateway's must never be among them). */
const proxied: string[] = [];

/** The app page every dev origin serves: a blank document; the tests run fetch() inside it. */
const APP_PAGE = "<!doctype html><title>dev app</title><p>dev app</p>";

beforeAll(async () => {
  stack = await startStack({
    gatewayEnv: { NODE_ENV: "development", RATE_LIMIT_ENABLED: "false" },
    subgraphEnv: { METRICS_PORT: "0" },
  });
  gateway = stack.url;
  origin = createServer((req, res) => {
    // A proxied request carries the absolute URL: only the page itself is served.
    proxied.push(req.url ?? "");
    const url = new URL(req.url ?? "/", "http://unknown");
    if (req.method !== "GET" || url.pathname !== "/") return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/html" }).end(APP_PAGE);
  });
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
  const proxyPort = (origin.address() as AddressInfo).port;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
    // Every request goes to the fake dev server except the gateway's host:port. Chromium never proxies
    // loopback unless told (<-loopback>), and that rule must come before the exception to count.
    proxy: { server: `http://127.0.0.1:${proxyPort}`, bypass: `<-loopback>,${new URL(gateway).host}` },
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  if (origin) {
    origin.closeAllConnections();
    await new Promise((resolve) => origin.close(resolve));
  }
  await stack?.close();
});

interface BrowserResult {
  ok: boolean;
  status?: number;
  body?: unknown;
  error?: string;
  /** The page's console errors: Chromium names the CORS rule that blocked a request there. */
  console: string[];
}

/** Opens `appOrigin` and POSTs a query to the gateway from it with `headers`, as a frontend would. */
async function fetchFrom(appOrigin: string, headers: Record<string, string>): Promise<BrowserResult> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") consoleErrors.push(message.text());
    });
    await page.goto(`${appOrigin}/`);
    expect(await page.textContent("p")).toBe("dev app");
    const result = await page.evaluate(
      async ({ url, headers }) => {
        try {
          const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", ...headers },
            body: JSON.stringify({ query: "{ categories { slug } }" }),
          });
          return { ok: true, status: res.status, body: await res.json() };
        } catch (error) {
          return { ok: false, error: String(error) };
        }
      },
      { url: gateway, headers },
    );
    return { ...result, console: consoleErrors };
  } finally {
    await context.close();
  }
}

// What a traced Apollo Client in the browser sends: W3C trace context, baggage, client awareness.
const TRACED_CLIENT_HEADERS = {
  traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  tracestate: "shop=1",
  baggage: "session.id=abc",
  "apollographql-client-name": "shopgraph-web",
  "apollographql-client-version": "1.2.3",
};

describe("CORS preflights from a browser (development gateway, default origins)", () => {
  for (const appOrigin of [
    "http://localhost:5173",
    "http://127.0.0.1:5173",
    "http://localhost:3000",
    "http://127.0.0.1:3000",
  ]) {
    it(`lets ${appOrigin} send trace and client-awareness headers and read the answer`, async () => {
      const result = await fetchFrom(appOrigin, TRACED_CLIENT_HEADERS);
      expect(result.error).toBeUndefined();
      expect(result.status).toBe(200);
      expect(JSON.stringify(result.body)).toContain('"slug"');
    });
  }

  it("refuses an origin that is not a known dev server (the browser blocks the request)", async () => {
    const result = await fetchFrom("http://localhost:5174", TRACED_CLIENT_HEADERS);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/Failed to fetch/);
    expect(result.console.join("\n")).toMatch(
      /from origin 'http:\/\/localhost:5174' has been blocked by CORS policy: Response to preflight request/,
    );
  });

  it("refuses a request header the policy does not list, from an allowed origin (the allow-list is enforced)", async () => {
    const result = await fetchFrom("http://localhost:5173", { "x-not-allowed": "1" });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/Failed to fetch/);
    expect(result.console.join("\n")).toMatch(
      /Request header field x-not-allowed is not allowed by Access-Control-Allow-Headers in preflight response/,
    );
  });

  it("sent every request to the gateway directly: the fake dev server only ever served pages", () => {
    const host = new URL(gateway).host;
    expect(proxied.some((url) => url.includes("localhost:5173"))).toBe(true);
    expect(proxied.filter((url) => url.includes(host))).toEqual([]);
  });
});
