/**
 * Load scenarios for the products subgraph: the `_entities` hot path (warm Redis cache), catalog
 * listing, full-text search, category pages and the reserve/release cycle of checkout.
 *
 *   node bench/products-bench.ts [--requests 2000] [--concurrency 16] [--seconds 10]
 *
 * It starts its own products subgraph on 127.0.0.1 (ephemeral port) over a fresh, seeded database
 * and its own Redis key prefix, and sends traffic to nothing else. Every scenario is bounded by a
 * request count AND a duration, and everything is torn down at the end. The load loop is a small
 * keep-alive fetch loop (the gateway comparison, `pnpm bench`, uses autocannon); numbers are
 * comparable between runs on one machine, not an absolute capacity figure.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { DEV_GATEWAY_TOKEN, SERVICE_TOKEN_HEADER } from "../packages/auth/src/index.ts";
// Workspace code is imported by path: the products test harness is not a package export.
import { seedCategories, seedProducts } from "../packages/fixtures/src/index.ts";
import { provisionProductsWorld, startTestProducts } from "../subgraphs/products/test/harness.ts";

const { values: args } = parseArgs({
  options: {
    requests: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "16" },
    seconds: { type: "string", default: "10" },
  },
});
const MAX_REQUESTS = Math.min(Number(args.requests), 100_000);
const CONCURRENCY = Math.min(Number(args.concurrency), 128);
const MAX_MS = Math.min(Number(args.seconds), 60) * 1000;

/** One request of a scenario: the body to POST and the headers to send. */
type RequestFactory = (i: number) => { body: unknown; headers?: Record<string, string> };

/** Sends up to MAX_REQUESTS (or MAX_MS) of `make` with CONCURRENCY workers; returns latency stats. */
async function run(url: string, make: RequestFactory) {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const deadline = performance.now() + MAX_MS;
  const started = performance.now();
  const worker = async () => {
    while (next < MAX_REQUESTS && performance.now() < deadline) {
      const { body, headers } = make(next++);
      const t0 = performance.now();
      // The test harness's products accepts the development gateway credential; reserveStock sends the service one instead.
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", [SERVICE_TOKEN_HEADER]: DEV_GATEWAY_TOKEN, ...headers },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { errors?: unknown[]; data?: Record<string, { ok?: boolean }> };
      latencies.push(performance.now() - t0);
      if (!res.ok || json.errors || Object.values(json.data ?? {}).some((v) => v?.ok === false)) errors++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    Number((latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0).toFixed(2));
  return {
    requests: latencies.length,
    errors,
    rps: Math.round(latencies.length / seconds),
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
  };
}

const world = await provisionProductsWorld();
const products = await startTestProducts(world, {
  CACHE_TTL_SECONDS: "600",
  DATABASE_POOL_MAX: "10",
  LOG_LEVEL: "silent",
});
try {
  const listed = seedProducts.filter((p) => !p.archived);
  const fifty = (i: number) =>
    Array.from({ length: 50 }, (_, k) => ({ __typename: "Product", id: listed[(i * 7 + k) % listed.length]!.id }));
  const [stocked] = await products.db.product.findMany({ where: { archivedAt: null }, take: 1 });
  await products.db.product.update({ where: { id: stocked!.id }, data: { stock: 1_000_000 } });
  const service = { "x-service-token": world.serviceToken };
  const scenarios: Record<string, RequestFactory> = {
    "entities x50 (cached)": (i) => ({
      body: {
        query:
          "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id title price { amount currencyCode } quantityAvailable } } }",
        variables: { r: fifty(i) },
      },
    }),
    "products first:20": () => ({
      body: { query: "{ products { totalCount edges { cursor node { id title price { amount } inStock } } } }" },
    }),
    "search RELEVANCE": (i) => ({
      body: {
        query:
          "query($q: String) { products(first: 20, query: $q, sortKey: RELEVANCE) { edges { node { id title } } } }",
        variables: { q: ["wool", "lea", "ceramic mug", "walnut", "linen sh"][i % 5] },
      },
    }),
    "category page": (i) => ({
      body: {
        query:
          "query($s: String!) { category(slug: $s) { products(first: 20) { totalCount edges { node { id title } } } } }",
        variables: { s: seedCategories[i % seedCategories.length]!.slug },
      },
    }),
    reserveStock: () => ({
      headers: service,
      body: {
        query:
          "mutation($o: ID!, $p: ID!) { reserveStock(orderId: $o, lines: [{ productId: $p, quantity: 1 }]) { ok } }",
        variables: { o: randomUUID(), p: stocked!.id },
      },
    }),
  };
  const results: Record<string, Awaited<ReturnType<typeof run>>> = {};
  // A warm-up pass fills the entity cache and Postgres' buffers before anything is measured.
  await run(products.graphqlUrl, scenarios["entities x50 (cached)"]!);
  for (const [name, make] of Object.entries(scenarios)) results[name] = await run(products.graphqlUrl, make);
  console.table(results);
  console.log(JSON.stringify({ bench: "products", concurrency: CONCURRENCY, maxRequests: MAX_REQUESTS, results }));
} finally {
  await products.close();
  await world.close();
}
