import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { decodeJwt } from "jose";
import { ADMIN_EMAIL, CUSTOMER_EMAIL, DEMO_PASSWORDS } from "@shopgraph/fixtures";
import { freePort, gql } from "@shopgraph/testing";
import { pkce, tokenRequest } from "./oauth-client.ts";
import { startStack, type Stack } from "./stack.ts";

// The authorization server's sign-in and consent pages in headless Chromium (issue #14 §2):
// a phone-sized window, no script on the pages, no CSP violation, approve and deny. The app's
// redirect URI is a loopback server here that records where the browser was sent.
let stack: Stack;
let browser: Browser;
let callback: Server;
let origin: string;
let redirectUri: string;
let clientId: string;

beforeAll(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  stack = await startStack({
    gatewayEnv: { PORT: String(port), OAUTH_ISSUER: origin },
    subgraphEnv: { OAUTH_ISSUER: origin },
  });
  callback = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>app</title><p>back in the app</p>");
  });
  await new Promise<void>((resolve) => callback.listen(0, "127.0.0.1", resolve));
  redirectUri = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
  const login = await gql(stack.url, "mutation($i: LoginInput!) { login(input: $i) { session { accessToken } } }", {
    variables: { i: { email: ADMIN_EMAIL, password: DEMO_PASSWORDS.admin } },
    credential: null,
  });
  const registered = await gql(
    stack.url,
    "mutation($i: RegisterAppInput!) { registerApp(input: $i) { app { clientId } userErrors { code } } }",
    {
      variables: {
        i: {
          name: "Parcel Tracker",
          type: "PUBLIC",
          redirectUris: [redirectUri],
          scopes: ["read_orders", "read_notifications"],
        },
      },
      token: login.data!.login.session.accessToken,
      credential: null,
    },
  );
  clientId = registered.data!.registerApp.app.clientId;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  if (callback) {
    callback.closeAllConnections();
    await new Promise((resolve) => callback.close(resolve));
  }
  await stack?.close();
});

/** Opens the authorization request in a fresh phone-sized context; collects console errors (CSP reports among them). */
async function open(challenge: string): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    javaScriptEnabled: true,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  page.on("pageerror", (error) => problems.push(error.message));
  const params = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    scope: "read_orders read_notifications",
    state: "browser-state",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  await page.goto(`${origin}/oauth/auth?${params}`);
  return { page, problems };
}

async function signIn(page: Page): Promise<void> {
  await expect.poll(() => page.locator("h1").textContent()).toBe("Sign in to continue to Parcel Tracker");
  await page.fill("#email", CUSTOMER_EMAIL);
  await page.fill("#password", DEMO_PASSWORDS.customer);
  await page.click("button:has-text('Sign in')");
  await page.waitForSelector("text=wants to access your Shopgraph account");
}

/** Nothing wider than the phone's screen: no sideways scrolling. */
const fitsThePhone = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe("consent pages in Chromium", () => {
  it("sign in, see the app and the scopes it asks for, approve: the app gets a code that yields a working token", async () => {
    const { verifier, challenge } = pkce();
    const { page, problems } = await open(challenge);
    expect(await fitsThePhone(page)).toBe(true);
    await signIn(page);
    expect(await page.locator("h1").textContent()).toBe("Parcel Tracker wants to access your Shopgraph account");
    expect(await page.locator("text=Signed in as").textContent()).toContain(CUSTOMER_EMAIL);
    expect(await page.locator("li").allTextContents()).toEqual([
      expect.stringContaining("See your orders (read_orders)"),
      expect.stringContaining("Read your notifications (read_notifications)"),
    ]);
    expect(await fitsThePhone(page)).toBe(true);
    // The pages run no script at all: CSP allows none, and none is there.
    expect(await page.locator("script").count()).toBe(0);
    await page.click("button:has-text('Allow')");
    await page.waitForURL((url) => url.pathname === "/callback");
    const arrived = new URL(page.url());
    expect(arrived.searchParams.get("state")).toBe("browser-state");
    const code = arrived.searchParams.get("code");
    expect(code).toBeTruthy();
    expect(problems).toEqual([]);
    const token = await tokenRequest(origin, {
      grant_type: "authorization_code",
      code: code!,
      redirect_uri: redirectUri,
      client_id: clientId,
      code_verifier: verifier,
    });
    expect(token.status).toBe(200);
    expect(decodeJwt(token.body.access_token!).scope).toBe("read_orders read_notifications");
    const orders = await gql(stack.url, "{ orders(first: 1) { totalCount } }", {
      token: token.body.access_token!,
      credential: null,
    });
    expect(orders.errors).toBeUndefined();
    await page.context().close();
  });

  it("deny: the app is told access_denied and gets no code", async () => {
    const { page, problems } = await open(pkce().challenge);
    await signIn(page);
    await page.click("button:has-text('Deny')");
    await page.waitForURL((url) => url.pathname === "/callback");
    const arrived = new URL(page.url());
    expect(arrived.searchParams.get("error")).toBe("access_denied");
    expect(arrived.searchParams.get("code")).toBeNull();
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("a wrong password stays on the sign-in page with the error, readable on the phone", async () => {
    const { page } = await open(pkce().challenge);
    await page.fill("#email", CUSTOMER_EMAIL);
    await page.fill("#password", "not the password!!");
    await page.click("button:has-text('Sign in')");
    await page.waitForSelector("[role=alert]");
    expect(await page.locator("[role=alert]").textContent()).toBe("Email or password is incorrect");
    expect(await page.inputValue("#email")).toBe(CUSTOMER_EMAIL);
    expect(await fitsThePhone(page)).toBe(true);
    expect(page.url()).toMatch(/\/oauth\/interaction\/[^/]+\/login$/);
    await page.context().close();
  });
});
