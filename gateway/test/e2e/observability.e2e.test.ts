// Must stay the first import: it starts the SDK (and its loader hook) before pg and ioredis load.
import { receiver, telemetry } from "./telemetry-setup.ts";
import { Writable } from "node:stream";
import { context, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedCustomer, seedProducts } from "@shopgraph/fixtures";
import { createLogger } from "@shopgraph/logger";
import { gql } from "@shopgraph/testing";
import type { ReceivedSpan } from "./otlp-receiver.ts";
import { startStack, type Stack } from "./stack.ts";

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CONSUMER = 5;

/** Every gateway log line, parsed (the access log is what these tests read). */
const gatewayLines: Record<string, unknown>[] = [];
const capture = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString("utf8").split("\n"))
      if (line.trim()) gatewayLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let stack: Stack;
let token: string;
const portOf = (url: string) => Number(new URL(url).port);
const flush = () => telemetry.forceFlush();
const inTrace = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);

/**
 * Runs a request as an instrumented client would: inside a client span, whose W3C traceparent
 * the fetch instrumentation sends. Resolves with the response and the client's trace id.
 */
async function asTracedClient<T>(
  name: string,
  fn: () => Promise<T>,
): Promise<{ result: T; traceId: string; spanId: string }> {
  const span = trace.getTracer("e2e-client").startSpan(name);
  try {
    const result = await context.with(trace.setSpan(context.active(), span), fn);
    return { result, traceId: span.spanContext().traceId, spanId: span.spanContext().spanId };
  } finally {
    span.end();
  }
}
const serverSpanOn = (spans: ReceivedSpan[], url: string) =>
  spans.find(
    (s) =>
      s.kind === SPAN_KIND_SERVER &&
      s.attributes["url.path"] === "/graphql" &&
      Number(s.attributes["server.port"]) === portOf(url),
  );

beforeAll(async () => {
  stack = await startStack({
    gatewayEnv: { RATE_LIMIT_ENABLED: "false" },
    gatewayDeps: { logger: createLogger({ service: "gateway", level: "info", destination: capture }) },
  });
  const login = await gql(stack.url, "mutation($i: LoginInput!) { login(input: $i) { session { accessToken } } }", {
    variables: { i: { email: seedCustomer.email, password: DEMO_PASSWORDS.customer } },
  });
  token = login.data?.login.session.accessToken as string;
});
afterAll(async () => {
  await stack?.close();
  await telemetry.shutdown();
  await receiver.close();
});

describe("tracing through the supergraph (OTLP/HTTP to a local receiver)", () => {
  // The client starts the trace: W3C trace context must survive client → gateway → subgraphs → Postgres/Redis → event bus.
  let traceId: string;
  let clientSpanId: string;
  const product = seedProducts.find((p) => !p.archived && p.stock > 20)!;

  beforeAll(async () => {
    const client = await asTracedClient("client PlaceOrder", () =>
      gql(
        stack.url,
        'mutation PlaceOrder($input: PlaceOrderInput!) { placeOrder(input: $input, idempotencyKey: "otel-key-1") { order { id status } userErrors { code } } }',
        {
          token,
          headers: { "apollographql-client-name": "otel-e2e" },
          variables: {
            input: {
              lines: [{ productId: product.id, quantity: 1 }],
              shippingAddress: { name: "Otto", line1: "1 Road", city: "Town", postalCode: "1000", country: "GB" },
              paymentToken: "tok_visa",
            },
          },
        },
      ),
    );
    ({ traceId, spanId: clientSpanId } = client);
    expect(client.result.data?.placeOrder.order.status).toBe("PAID");
    // Wait for the whole trace: the request's spans and the notifications consumer's, after the event hop.
    await receiver.waitFor(
      (spans) =>
        spans.some(
          (s) => s.traceId === traceId && s.name === "process order.confirmed" && s.kind === SPAN_KIND_CONSUMER,
        ),
      flush,
    );
  });

  it("continues the client's trace in the gateway: request, validate, plan, execute and one fetch per subgraph, named by operation", () => {
    const spans = inTrace(traceId);
    const gatewayServer = serverSpanOn(spans, stack.url);
    // Parent: the client's HTTP call, itself a child of the client's span.
    const clientCall = spans.find((s) => s.spanId === gatewayServer?.parentSpanId);
    expect(clientCall?.parentSpanId).toBe(clientSpanId);
    for (const name of ["gateway.request", "gateway.validate", "gateway.plan", "gateway.execute", "gateway.fetch"])
      expect(spans.map((s) => s.name)).toContain(name);
    const request = spans.find((s) => s.name === "gateway.request")!;
    expect(request.attributes).toMatchObject({
      "graphql.operation.name": "PlaceOrder",
      "graphql.operation.type": "mutation",
    });
    expect(spans.find((s) => s.name === "gateway.fetch")?.attributes.service).toBe("orders");
  });

  it("reaches the orders subgraph, its database and products in the same trace", () => {
    const spans = inTrace(traceId);
    const orders = serverSpanOn(spans, stack.orders.url);
    expect(orders, "orders /graphql server span").toBeDefined();
    expect(orders?.attributes["graphql.operation.name"]).toBeDefined();
    // Propagated by the gateway's undici pool: subgraph server ← HTTP client call ← gateway.fetch for orders.
    const call = spans.find((s) => s.spanId === orders?.parentSpanId);
    expect(spans.find((s) => s.spanId === call?.parentSpanId)).toMatchObject({
      name: "gateway.fetch",
      attributes: { service: "orders" },
    });
    // Called by the orders saga (stock reservation) with the service token: same trace.
    expect(serverSpanOn(spans, stack.products.url), "products /graphql server span").toBeDefined();
    const sql = spans.filter(
      (s) => s.attributes["db.system.name"] === "postgresql" || s.attributes["db.system"] === "postgresql",
    );
    expect(sql.length).toBeGreaterThan(0);
    // Statements only: no parameter values on spans.
    for (const span of sql) expect(Object.keys(span.attributes)).not.toContain("db.query.parameter.0");
  });

  it("crosses the event bus: the outbox relay's publish and the notifications consumer continue the trace, down to the queued email", () => {
    const spans = inTrace(traceId);
    const consumer = spans.find((s) => s.name === "process order.confirmed")!;
    expect(consumer.attributes).toMatchObject({
      "messaging.destination.name": "order.confirmed",
      "messaging.consumer.group.name": "notifications",
    });
    // The consumer's inserts (notification, delivery) are children of the consumer span.
    const children = spans.filter((s) => s.parentSpanId === consumer.spanId);
    expect(
      children.some((s) =>
        String(s.attributes["db.query.text"] ?? s.attributes["db.statement"] ?? "").includes("Delivery"),
      ),
    ).toBe(true);
    const published = receiver.spans.filter((s) => s.name.startsWith("publish"));
    expect(published.some((s) => s.traceId === traceId || s.links.some((l) => l.traceId === traceId))).toBe(true);
  });

  it("ends with the email send itself in the same trace (the Delivery row carries the trace context)", async () => {
    await receiver.waitFor((spans) => spans.some((s) => s.traceId === traceId && s.name === "send email"), flush);
    expect(inTrace(traceId).some((s) => s.name === "send email")).toBe(true);
  });

  it("puts no token, password or payment token on any span", () => {
    const text = JSON.stringify(receiver.spans);
    expect(text).not.toContain(token);
    expect(text).not.toContain(DEMO_PASSWORDS.customer);
    expect(text).not.toContain("tok_visa");
  });

  it("logs one access line for the request, with its trace id, operation, status, duration, error count and client name", () => {
    const access = gatewayLines.filter((l) => l.msg === "graphql request" && l.operationName === "PlaceOrder");
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      service: "gateway",
      trace_id: traceId,
      operationType: "mutation",
      status: 200,
      errors: 0,
      clientName: "otel-e2e",
    });
    expect(typeof access[0]!.durationMs).toBe("number");
    expect(access[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("records GraphQL errors on the spans and still logs a line for a request refused before execution", async () => {
    const { result: res, traceId: badTrace } = await asTracedClient("client Broken", () =>
      gql(stack.url, "query Broken { nope }"),
    );
    expect(res.status).toBe(400);
    await receiver.waitFor((spans) => spans.some((s) => s.traceId === badTrace && s.kind === SPAN_KIND_SERVER), flush);
    const server = serverSpanOn(inTrace(badTrace), stack.url)!;
    expect(server.status.code).toBe(2);
    expect(
      server.events.some(
        (e) => e.name === "exception" && e.attributes["exception.type"] === "GRAPHQL_VALIDATION_FAILED",
      ),
    ).toBe(true);
    expect(gatewayLines.find((l) => l.msg === "graphql request" && l.trace_id === badTrace)).toMatchObject({
      status: 400,
      errors: 1,
      operationName: null,
    });
  });
});

/** Metric base names in a Prometheus text exposition (from its # TYPE lines), with their types. */
function exposedMetrics(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** One sample's value, e.g. sample(text, "gateway_query_plan_cache_total", { result: "hit" }). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

describe("Prometheus /metrics", () => {
  let gatewayText: string;

  beforeAll(async () => {
    // A persisted-query miss, then its registration, then a hit; the plan cache sees a repeat.
    const query = "query Me { me { id } }";
    const hash = (await import("node:crypto")).createHash("sha256").update(query).digest("hex");
    const apq = (body: object) =>
      fetch(stack.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({
          operationName: "Me",
          extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
          ...body,
        }),
      });
    await apq({});
    await apq({ query });
    await apq({});
    // Metrics live on each process's own metrics listener, never on its public port.
    const res = await fetch(stack.gateway.metricsUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    gatewayText = await res.text();
  });

  it("counts requests, errors and latency per operation name, and subgraph fetches per subgraph", () => {
    expect(
      sample(gatewayText, "graphql_requests_total", { operation: "PlaceOrder", type: "mutation", outcome: "ok" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(gatewayText, "graphql_request_duration_seconds_count", { operation: "PlaceOrder" }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(gatewayText, "graphql_errors_total", { code: "GRAPHQL_VALIDATION_FAILED" })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      sample(gatewayText, "gateway_subgraph_requests_total", { subgraph: "orders", outcome: "ok" }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(gatewayText, "gateway_subgraph_request_duration_seconds_count", { subgraph: "orders" }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(gatewayText, "gateway_circuit_breaker_state", { subgraph: "orders" })).toBe(0);
  });

  it("reports the query plan cache, persisted queries, the event bus and the database pools", () => {
    expect(sample(gatewayText, "gateway_query_plan_cache_total", { result: "hit" })).toBeGreaterThanOrEqual(1);
    expect(sample(gatewayText, "gateway_query_plan_cache_total", { result: "miss" })).toBeGreaterThanOrEqual(1);
    for (const result of ["miss", "registered", "hit"])
      expect(sample(gatewayText, "gateway_persisted_queries_total", { kind: "apq", result })).toBeGreaterThanOrEqual(1);
    expect(sample(gatewayText, "events_published_total", { type: "order.confirmed" })).toBeGreaterThanOrEqual(1);
    expect(
      sample(gatewayText, "events_consumed_total", {
        group: "notifications",
        type: "order.confirmed",
        outcome: "done",
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(gatewayText, "events_consume_lag_seconds_count", { group: "notifications" })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      sample(gatewayText, "events_consumer_backlog", { group: "notifications", state: "pending" }),
    ).toBeGreaterThanOrEqual(0);
    expect(sample(gatewayText, "events_outbox_pending", { service: "orders" })).toBeGreaterThanOrEqual(0);
    expect(sample(gatewayText, "notification_deliveries", { channel: "EMAIL" })).toBeGreaterThanOrEqual(1);
    expect(sample(gatewayText, "db_client_connections_max")).toBeGreaterThanOrEqual(1);
    expect(exposedMetrics(gatewayText).get("nodejs_eventloop_lag_p99_seconds")).toBe("gauge");
  });

  it("keeps the operation label bounded: unknown names beyond the allowance collapse to 'other'", async () => {
    // Each subgraph admits 100 dynamic names; a flood of made-up names must not add series without end.
    for (let i = 0; i < 120; i++)
      await gql(stack.users.url + "/graphql", `query Flood${i} { __typename }`, { credential: stack.gatewayToken });
    const text = await (await fetch(stack.users.metricsUrl!)).text();
    const names = new Set([...text.matchAll(/^graphql_requests_total\{[^}]*operation="([^"]+)"/gm)].map((m) => m[1]));
    expect(names.has("other")).toBe(true);
    expect([...names].filter((n) => n?.startsWith("Flood")).length).toBeLessThanOrEqual(100);
  });

  it("serves /metrics on every subgraph's metrics listener", async () => {
    for (const subgraph of [stack.users, stack.products, stack.orders, stack.notifications]) {
      const res = await fetch(subgraph.metricsUrl!);
      expect(res.status).toBe(200);
      expect(exposedMetrics(await res.text()).has("http_requests_total")).toBe(true);
    }
  });

  it("exports every metric the provisioned Grafana dashboard queries", async () => {
    const { readFileSync } = await import("node:fs");
    const dashboard = JSON.parse(
      readFileSync(new URL("../../../deploy/grafana/dashboards/shopgraph-overview.json", import.meta.url), "utf8"),
    ) as { panels: { targets?: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(exprs.length).toBeGreaterThan(10);
    const exposed = exposedMetrics(gatewayText);
    const referenced = new Set(
      exprs.flatMap((e) =>
        [...e.matchAll(/\b((?:graphql|gateway|events|notification|db_client|http|nodejs|process)_[a-z0-9_]+)\b/g)].map(
          (m) => m[1]!,
        ),
      ),
    );
    const missing = [...referenced].filter((name) => {
      const base = name.replace(/_(bucket|sum|count)$/, "");
      return !exposed.has(name) && !(exposed.get(base) === "histogram" && base !== name);
    });
    expect(missing).toEqual([]);
  });
});
