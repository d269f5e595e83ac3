import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testLogger } from "@shopgraph/testing";
import { CLIENT_IP_HEADER, SERVICE_TOKEN_HEADER } from "@shopgraph/auth";
import { createHttpServer, type HttpServerHandle } from "@shopgraph/http";
import { oauthForward } from "../src/oauth-forward.ts";

// The gateway's forward of the authorization server: users sees the gateway's credential and the
// client address the gateway determined, never what the client claims; answers pass through whole.
let upstream: Server;
let gateway: HttpServerHandle;
let url: string;
let seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      res.setHeader("set-cookie", [
        "_interaction=a; path=/oauth/interaction/x; httponly",
        "_session=b; path=/; httponly",
      ]);
      res
        .writeHead(303, {
          location: "/oauth/interaction/x",
          "content-security-policy": "default-src 'none'; style-src 'nonce-n'",
        })
        .end();
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const forward = oauthForward({
    usersOrigin: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    credential: "gateway-credential-0123456789abcdef",
    clientIp: () => "203.0.113.9",
  });
  gateway = createHttpServer({
    logger: testLogger("gateway"),
    routes: { "GET /.well-known/openid-configuration": forward },
    prefixRoutes: { "/oauth/": forward },
  });
  ({ url } = await gateway.listen(0, "127.0.0.1"));
});
afterAll(async () => {
  await gateway.close(100);
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

describe("oauthForward", () => {
  it("forwards method, path, query and body, with the gateway's credential and client address in place of the client's", async () => {
    seen = [];
    const res = await fetch(`${url}/oauth/interaction/x/login?a=1`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        [CLIENT_IP_HEADER]: "10.0.0.1",
        [SERVICE_TOKEN_HEADER]: "forged",
        cookie: "_interaction=a",
      },
      body: "csrf=t&email=a%40b.c",
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: "POST",
      url: "/oauth/interaction/x/login?a=1",
      body: "csrf=t&email=a%40b.c",
    });
    expect(seen[0]!.headers).toMatchObject({
      [CLIENT_IP_HEADER]: "203.0.113.9",
      [SERVICE_TOKEN_HEADER]: "gateway-credential-0123456789abcdef",
      cookie: "_interaction=a",
    });
    // Every Set-Cookie and the page's own CSP arrive unchanged.
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/oauth/interaction/x");
    expect(res.headers.getSetCookie()).toEqual([
      "_interaction=a; path=/oauth/interaction/x; httponly",
      "_session=b; path=/; httponly",
    ]);
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; style-src 'nonce-n'");
  });

  it("forwards the discovery document's path too", async () => {
    seen = [];
    await fetch(`${url}/.well-known/openid-configuration`, { redirect: "manual" });
    expect(seen.map((s) => s.url)).toEqual(["/.well-known/openid-configuration"]);
  });

  it("answers 503 SERVICE_UNAVAILABLE when users cannot be reached", async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, "127.0.0.1", resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((resolve) => dead.close(resolve));
    const lonely = createHttpServer({
      logger: testLogger("gateway"),
      routes: {},
      prefixRoutes: {
        "/oauth/": oauthForward({ usersOrigin: `http://127.0.0.1:${port}`, credential: "c", clientIp: () => "x" }),
      },
    });
    const { url: lonelyUrl } = await lonely.listen(0, "127.0.0.1");
    const res = await fetch(`${lonelyUrl}/oauth/token`, { method: "POST" });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe(
      "SERVICE_UNAVAILABLE",
    );
    await lonely.close(100);
  });
});
