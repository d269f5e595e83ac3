import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CircuitBreaker } from "../src/subgraphs/circuit-breaker.ts";
import { withOperationKind, type OperationKind } from "../src/subgraphs/operation-kind.ts";
import {
  createSubgraphFetcher,
  createSubgraphPool,
  SubgraphUnavailableError,
  type FailureReason,
} from "../src/subgraphs/subgraph-fetcher.ts";

// A real HTTP server on an ephemeral port whose behaviour each test scripts.
let server: Server;
let url: string;
let seen: { body: string; authorization: string | undefined }[] = [];
let respond: (n: number, body: string) => { status: number; delayMs?: number; body?: string } = () => ({ status: 200 });
const pool = createSubgraphPool(8);

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ body, authorization: req.headers.authorization });
      const n = seen.length;
      const { status, delayMs = 0, body: answer } = respond(n, body);
      setTimeout(
        () =>
          res.writeHead(status, { "content-type": "application/json" }).end(answer ?? JSON.stringify({ data: { n } })),
        delayMs,
      );
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
  createSubgraphFetcher({
    name: "test",
    timeoutMs: 1_000,
    retries: 2,
    retryBaseMs: 1,
    breaker: new CircuitBreaker({ failureThreshold: 100, openMs: 60_000 }),
    dedup: false,
    dispatcher: pool,
    ...overrides,
  }) as unknown as (
    url: string,
    init: { method: string; headers: Record<string, string>; body: string },
  ) => Promise<Response>;
const post = (query: string, authorization = "Bearer a") => ({
  method: "POST",
  headers: { "content-type": "application/json", authorization },
  body: JSON.stringify({ query }),
});
/** Calls the fetcher as the data source does: with the plan's operation kind in scope. */
const as = <T>(kind: OperationKind | undefined, call: () => Promise<T>) => withOperationKind(kind, call);

describe("subgraph fetcher", () => {
  it("retries a query after a 5xx and succeeds", async () => {
    respond = (n) => ({ status: n <= 2 ? 503 : 200 });
    const res = await as("query", () => fetcherWith()(url, post("query { a }")));
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(3);
  });

  it("never resends a mutation", async () => {
    respond = () => ({ status: 503 });
    await expect(as("mutation", () => fetcherWith()(url, post("mutation { placeOrder }")))).rejects.toBeInstanceOf(
      SubgraphUnavailableError,
    );
    expect(seen).toHaveLength(1);
  });

  it("decides from the plan's operation kind, not the body: a mutation whose text looks like a query is not resent", async () => {
    respond = () => ({ status: 503 });
    // The body's first token says "query" (a regex over it would allow a retry); the plan says mutation.
    await expect(as("mutation", () => fetcherWith()(url, post("query  { placeOrder }")))).rejects.toThrow(/HTTP 503/);
    expect(seen).toHaveLength(1);
    seen = [];
    // Unknown kind (no plan in scope): never resent either.
    await expect(fetcherWith()(url, post("query { a }"))).rejects.toThrow(/HTTP 503/);
    expect(seen).toHaveLength(1);
  });

  it("never resends a query that timed out, nor one the open circuit refused", async () => {
    respond = () => ({ status: 200, delayMs: 500 });
    const timedOut = await as("query", () => fetcherWith({ timeoutMs: 50 })(url, post("query { slow }"))).catch(
      (error: unknown) => error,
    );
    expect((timedOut as SubgraphUnavailableError).reason).toBe("timeout");
    expect(seen).toHaveLength(1);
    seen = [];
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 60_000 });
    respond = () => ({ status: 503 });
    // The first attempt's 503 opens the circuit: its retries are refused by the breaker and not sent.
    await expect(as("query", () => fetcherWith({ breaker })(url, post("query { x }")))).rejects.toThrow(/circuit open/);
    expect(seen).toHaveLength(1);
  });

  it("times out a slow subgraph as unavailable", async () => {
    respond = () => ({ status: 200, delayMs: 500 });
    await expect(fetcherWith({ timeoutMs: 50, retries: 0 })(url, post("query { slow }"))).rejects.toThrow(/timeout/);
  });

  it("shares one in-flight request between identical queries with the same token, not across tokens", async () => {
    respond = () => ({ status: 200, delayMs: 50 });
    const fetcher = fetcherWith({ dedup: true });
    const results = await as("query", () =>
      Promise.all([
        fetcher(url, post("query { same }")),
        fetcher(url, post("query { same }")),
        fetcher(url, post("query { same }", "Bearer b")),
      ]),
    );
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

  it("probes soon after opening, then backs off (doubling up to openMs) while probes fail, and resets once closed", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 400, firstOpenMs: 50 });
    const fetcher = fetcherWith({ breaker, retries: 0 });
    respond = () => ({ status: 503 });
    const periods: number[] = [];
    // Taken before the call that (re)opens the circuit, so it is never later than the breaker's own
    // opening: the open period measured from it is at least the period, however loaded the machine.
    let failingCallAt = 0;
    for (let i = 0; i < 2; i++) {
      failingCallAt = Date.now();
      await expect(fetcher(url, post("query { x }"))).rejects.toThrow(/HTTP 503/);
    }
    for (let probe = 0; probe < 4; probe++) {
      periods.push(breaker.openForMs);
      while (breaker.state === "open") await new Promise((r) => setTimeout(r, 5));
      expect(Date.now() - failingCallAt).toBeGreaterThanOrEqual(breaker.openForMs);
      failingCallAt = Date.now();
      await expect(fetcher(url, post("query { x }"))).rejects.toThrow(/HTTP 503/);
    }
    expect(periods).toEqual([50, 100, 200, 400]);
    expect(breaker.openForMs).toBe(400);
    respond = () => ({ status: 200 });
    while (breaker.state === "open") await new Promise((r) => setTimeout(r, 5));
    expect((await fetcher(url, post("query { x }"))).status).toBe(200);
    respond = () => ({ status: 503 });
    for (let i = 0; i < 2; i++) await expect(fetcher(url, post("query { x }"))).rejects.toThrow();
    expect(breaker.openForMs).toBe(50);
  });

  it("lets one probe through in half-open; other calls fail fast meanwhile instead of queueing behind it", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 20, firstOpenMs: 20 });
    const fetcher = fetcherWith({ breaker, retries: 0, timeoutMs: 5_000 });
    respond = () => ({ status: 503 });
    await expect(fetcher(url, post("query { x }"))).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 30));
    // The probe takes 1.5 s; a call queued behind it would take at least that long.
    respond = () => ({ status: 200, delayMs: 1_500 });
    const probe = fetcher(url, post("query { x }"));
    const startedAt = performance.now();
    await expect(fetcher(url, post("query { y }"))).rejects.toThrow(/circuit open/);
    expect(performance.now() - startedAt).toBeLessThan(500);
    expect((await probe).status).toBe(200);
    expect(breaker.state).toBe("closed");
  });

  it("says why a circuit is open: the error and the failure metric carry the underlying connection error", async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, "127.0.0.1", resolve));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/graphql`;
    await new Promise((resolve) => dead.close(resolve));
    const failures: [FailureReason, boolean][] = [];
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 60_000 });
    const fetcher = fetcherWith({
      breaker,
      retries: 0,
      onFailure: (reason, counted) => failures.push([reason, counted]),
    });
    for (let i = 0; i < 2; i++) await expect(fetcher(deadUrl, post("query { x }"))).rejects.toThrow(/ECONNREFUSED/);
    const open = await fetcher(deadUrl, post("query { x }")).catch((error: unknown) => error);
    expect(open).toBeInstanceOf(SubgraphUnavailableError);
    expect((open as SubgraphUnavailableError).reason).toBe("circuit_open");
    expect((open as Error).message).toMatch(/circuit open \(.*ECONNREFUSED/);
    expect(((open as Error).cause as SubgraphUnavailableError).reason).toBe("connection_refused");
    expect(failures).toEqual([
      ["connection_refused", true],
      ["connection_refused", true],
      ["circuit_open", false],
    ]);
  });

  it("a timeout does not count against the breaker when the subgraph answered other requests meanwhile (a slow key, not a dead subgraph)", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, openMs: 60_000 });
    const failures: [FailureReason, boolean][] = [];
    const fetcher = fetcherWith({
      breaker,
      retries: 0,
      // Wide enough that the fast answer beats it on a loaded 2-core machine.
      timeoutMs: 750,
      onFailure: (reason, counted) => failures.push([reason, counted]),
    });
    respond = (_n, body) => ({ status: 200, delayMs: body.includes("slow") ? 3_000 : 5 });
    const slow = Array.from({ length: 6 }, () =>
      fetcher(url, post("mutation { slow }")).catch((error: unknown) => error),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect((await fetcher(url, post("query { fast }"))).status).toBe(200);
    const errors = await Promise.all(slow);
    for (const error of errors) expect((error as SubgraphUnavailableError).reason).toBe("timeout");
    expect(failures).toEqual(Array.from({ length: 6 }, () => ["timeout", false]));
    expect(breaker.state).toBe("closed");
    // With nothing answered meanwhile, the same timeouts do count: the subgraph looks dead.
    failures.length = 0;
    await Promise.all([
      fetcher(url, post("mutation { slow }")).catch(() => {}),
      fetcher(url, post("mutation { slow }")).catch(() => {}),
    ]);
    expect(failures).toEqual([
      ["timeout", true],
      ["timeout", true],
    ]);
    expect(breaker.state).toBe("open");
  });

  it("passes a 5xx that carries a GraphQL response through as the subgraph's answer (coded errors kept, breaker untouched)", async () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, openMs: 60_000 });
    const answer = JSON.stringify({
      data: null,
      errors: [{ message: "down", path: ["x"], extensions: { code: "SERVICE_UNAVAILABLE", retryable: true } }],
    });
    respond = () => ({ status: 503, body: answer });
    const res = await as("query", () => fetcherWith({ breaker })(url, post("query { x }")));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(answer));
    expect(seen).toHaveLength(1);
    expect(breaker.state).toBe("closed");
  });
});
