import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { GRAPHIQL_CSP } from "../../src/explorer/graphiql-routes.ts";
import { startStack, type Stack } from "./stack.ts";

// Debian's chromium, headless, with the network closed to everything but the gateway: every
// request the page makes is intercepted, the gateway's own go through, anything else is aborted
// as "internet disconnected" and recorded (PITFALLS: flags for chromium in a container).
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
let stack: Stack;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  stack = await startStack({
    gatewayEnv: { RATE_LIMIT_ENABLED: "false", NODE_ENV: "development" },
    subgraphEnv: { METRICS_PORT: "0" },
  });
  origin = new URL(stack.url).origin;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

interface OfflinePage {
  context: BrowserContext;
  page: Page;
  /** Every URL the page requested, in order. */
  requested: string[];
  /** The ones that were not the gateway's (aborted). */
  external: string[];
  consoleErrors: string[];
}

async function offlinePage(): Promise<OfflinePage> {
  const context = await browser.newContext();
  const requested: string[] = [];
  const external: string[] = [];
  await context.route("**/*", (route) => {
    const url = route.request().url();
    requested.push(url);
    if (new URL(url).origin === origin) return route.continue();
    external.push(url);
    return route.abort("internetdisconnected");
  });
  // CSP violations are events in the page, not console messages: collect them there.
  await context.addInitScript(() => {
    const violations: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = violations;
    document.addEventListener("securitypolicyviolation", (e) =>
      violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(error.message));
  return { context, page, requested, external, consoleErrors };
}

/** The text of the CodeMirror 5 editor inside `selector` (GraphiQL 3's editors). */
const editorValue = (page: Page, selector: string) =>
  page.evaluate(
    (s) =>
      (
        document.querySelector(`${s} .CodeMirror`) as unknown as { CodeMirror: { getValue(): string } } | null
      )?.CodeMirror.getValue() ?? "",
    selector,
  );

/** Runs one of the editor's operations with the execute button and waits for a result containing `expected`. */
async function run(page: Page, operationName: string, expected: string): Promise<Record<string, unknown>> {
  await page.click(".graphiql-execute-button");
  // Two operations in the editor: GraphiQL asks which one to run.
  await page.getByRole("menuitem", { name: operationName, exact: true }).click();
  // (A string check: the page's CSP forbids eval, which a predicate function passed as text would need.)
  await page.waitForFunction(
    (text) => {
      const editor = document.querySelector(".result-window .CodeMirror") as unknown as {
        CodeMirror: { getValue(): string };
      } | null;
      return editor?.CodeMirror.getValue().includes(text) ?? false;
    },
    expected,
    { timeout: 15_000 },
  );
  return JSON.parse(await editorValue(page, ".result-window")) as Record<string, unknown>;
}

describe("local GraphiQL at /graphiql (development)", () => {
  it("loads with the network closed: only the gateway's origin, no CSP violation, the `me` query and both editors shown", async () => {
    const { context, page, requested, external, consoleErrors } = await offlinePage();
    try {
      const response = await page.goto(`${origin}/graphiql`);
      expect(response?.status()).toBe(200);
      expect(response?.headers()["content-security-policy"]).toBe(GRAPHIQL_CSP);
      await page.waitForSelector(".graphiql-container .graphiql-query-editor .CodeMirror", { timeout: 20_000 });
      // The schema is fetched by introspection through /graphql: the doc explorer fills in.
      await page.waitForFunction(() => document.querySelectorAll(".graphiql-execute-button").length === 1);
      expect(await editorValue(page, ".graphiql-query-editor")).toMatch(/query Me \{\s+me \{/);
      expect(await editorValue(page, ".graphiql-editor-tool")).toContain('"email": "customer@shopgraph.dev"');
      await expect(page.getByRole("button", { name: "Headers", exact: true }).count()).resolves.toBe(1);
      await expect(page.getByRole("button", { name: "Variables", exact: true }).count()).resolves.toBe(1);
      expect(requested.length).toBeGreaterThanOrEqual(6);
      expect(requested.filter((url) => url.endsWith("/graphql"))).not.toHaveLength(0);
      expect(external).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("runs Login with the variables editor, then Me with the token typed into the headers editor, and shows the customer", async () => {
    const { context, page, external } = await offlinePage();
    try {
      await page.goto(`${origin}/graphiql`);
      await page.waitForSelector(".graphiql-query-editor .CodeMirror", { timeout: 20_000 });
      const anonymous = await run(page, "Me", '"me"');
      expect(anonymous).toEqual({ data: { me: null } });
      const login = (await run(page, "Login", "accessToken")) as {
        data: { login: { session: { accessToken: string } } };
      };
      const token = login.data.login.session.accessToken;
      expect(token).toMatch(/^ey/);
      await page.getByRole("button", { name: "Headers", exact: true }).click();
      await page.click(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror");
      await page.keyboard.press("Control+A");
      await page.keyboard.press("Delete");
      // Typed like a person would (CodeMirror closes brackets and quotes itself, and types over them).
      await page.keyboard.type(`{"Authorization": "Bearer ${token}"}`);
      expect(JSON.parse(await editorValue(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden)"))).toEqual({
        Authorization: `Bearer ${token}`,
      });
      const me = (await run(page, "Me", "customer@shopgraph.dev")) as {
        data: { me: { email: string; role: string; orders: { totalCount: number } } };
      };
      expect(me.data.me).toMatchObject({ email: "customer@shopgraph.dev", role: "CUSTOMER" });
      expect(me.data.me.orders.totalCount).toBeGreaterThan(0);
      expect(external).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("keeps Apollo Sandbox at /graphql, and offline its page sends the browser on to GraphiQL", async () => {
    const { context, page, external } = await offlinePage();
    try {
      await page.goto(`${origin}/graphql`);
      await page.waitForURL(`${origin}/graphiql`, { timeout: 15_000 });
      await page.waitForSelector(".graphiql-query-editor .CodeMirror", { timeout: 20_000 });
      // Sandbox was tried first (its CDN script is what failed), so online it is still the explorer.
      expect(external.some((url) => url.startsWith("https://embeddable-sandbox.cdn.apollographql.com/"))).toBe(true);
      expect(
        external.every((url) =>
          /^https:\/\/(embeddable-sandbox\.cdn\.apollographql\.com|fonts\.googleapis\.com)\//.test(url),
        ),
      ).toBe(true);
    } finally {
      await context.close();
    }
  });

  it("serves the bundles gzipped from node_modules, and nothing under /graphiql in production", async () => {
    const js = await fetch(`${origin}/graphiql/graphiql.min.js`, { headers: { "accept-encoding": "gzip" } });
    expect(js.status).toBe(200);
    expect(js.headers.get("content-encoding")).toBe("gzip");
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain("createFetcher");
    const production = await stack.startAnotherGateway({
      NODE_ENV: "production",
      GATEWAY_TOKEN: "production-gateway-token-0123456789abcdef",
    });
    for (const path of ["/graphiql", "/graphiql/graphiql.min.js", "/graphiql/init.js"]) {
      const res = await fetch(`${production.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
        "NOT_FOUND",
      );
    }
  });
});
