import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CircuitBreaker } from "../src/subgraphs/circuit-breaker.ts";
import { createSubgraphFetcher, createSubgraphPool, SubgraphUnavailableError } from "../src/subgraphs/subgraph-fetcher.ts";

// A real HTTP server on an ephemeral port whose behaviour each test scripts.
let server: Server;
let url: string;
let seen: { body: string; authorization: string | undefined }[] = [];
let respond: (n: number) => { status: number; delayMs?: number } = () => ({ status: 200 });
const pool = createSubgraphPool(8);

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ body, authorization: req.headers.authorization });
      const { status, delayMs = 0 } = respond(seen.length);
      setTimeout(() => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ data: { n: seen.length } })), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterEach(() => {
  seen = [];
  respond = () => ({ status: 200 });
});
afterAll(async () => {
  await pool.close();
  await new Promise((resolve) => server.close(resolve));
});

const fetcherWith = (overrides: Partial<Parameters<typeof createSubgraphFetcher>[0]> = {}) =>
  createSubgraphFetcher({ name: "test", timeoutMs: 1_000, retries: 2, retryBaseMs: 1, breaker: new CircuitBreaker({ failureThreshold: 100, openMs: 60_000 }), dedup: false, dispatcher: pool, ...overrides }) as unknown as (
    url: string,
    init: { method: string; headers: Record<string, string>; body: string },
  ) => Promise<Response>;
const post = (query: string, authorization = "Bearer a") => ({ method: "POST", headers: { "content-type": "application/json", authorization }, body: JSON.stringify({ query }) });

describe("subgraph fetcher", () => {
  it("retries a query after a 5xx and succeeds", async () => {
    respond = (n) => ({ status: n <= 2 ? 503 : 200 });
    const res = await fetcherWith()(url, post("query { a }"));
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(3);
  });

  it("never resends a mutation", async () => {
    respond = () => ({ status: 503 });
    await expect(fetcherWith()(url, post("mutation { placeOrder }"))).rejects.toBeInstanceOf(SubgraphUnavailableError);
    expect(seen).toHaveLength(1);
  });

  it("times out a slow subgraph as unavailable", async () => {
    respond = () => ({ status: 200, delayMs: 500 });
    await expect(fetcherWith({ timeoutMs: 50, retries: 0 })(url, post("query { slow }"))).rejects.toThrow(/timeout/);
  });

  it("shares one in-flight request between identical queries with the same token, not across tokens", async () => {
    respond = () => ({ status: 200, delayMs: 50 });
    const fetcher = fetcherWith({ dedup: true });
    const results = await Promise.all([fetcher(url, post("query { same }")), fetcher(url, post("query { same }")), fetcher(url, post("query { same }", "Bearer b"))]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(seen).toHaveLength(2);
    expect(new Set(seen.map((s) => s.authorization))).toEqual(new Set(["Bearer a", "Bearer b"]));
    // Each caller gets its own readable body.
    expect(await Promise.all(results.map((r) => r.json()))).toHaveLength(3);
  });

  it("opens the circuit after repeated failures (calls fail without reaching the subgraph), then closes after a good probe", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 100 });
    const fetcher = fetcherWith({ breaker, retries: 0 });
    respond = () => ({ status: 503 });
    for (let i = 0; i < 2; i++) await expect(fetcher(url, post("query { x }"))).rejects.toThrow();
    expect(breaker.state).toBe("open");
    const before = seen.length;
    await expect(fetcher(url, post("query { x }"))).rejects.toThrow(/circuit open/);
    expect(seen.length).toBe(before);
    respond = () => ({ status: 200 });
    await new Promise((r) => setTimeout(r, 120));
    expect(breaker.state).toBe("half-open");
    expect((await fetcher(url, post("query { x }"))).status).toBe(200);
    expect(breaker.state).toBe("closed");
  });
});
