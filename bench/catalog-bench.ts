/**
 * The catalog issue's targets, measured in one run:
 *   1. a search page over 100,000 products: p99 at the products subgraph (target < 50 ms);
 *   2. a cached `product(id)` through the gateway vs directly at the subgraph (target ≤ 2× latency);
 *   3. listing/search throughput through the gateway and direct, with the entity cache on and off.
 *
 *   node bench/catalog-bench.ts [--rows 100000] [--requests 1500] [--concurrency 8] [--seconds 15]
 *
 * Everything runs on 127.0.0.1 over a fresh database and its own Redis prefix, bounded by a
 * request count and a duration; results go to bench/results/catalog.md (+ .raw.json).
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import pg from "pg";
import { seedCategories } from "../packages/fixtures/src/index.ts";
import { testLogger } from "../packages/testing/src/index.ts";
import { provisionProductsWorld, startTestProducts } from "../subgraphs/products/test/harness.ts";
import { startGateway } from "../gateway/src/app.ts";
import { loadGatewayConfig } from "../gateway/src/config.ts";

const { values: args } = parseArgs({ options: { rows: { type: "string", default: "100000" }, requests: { type: "string", default: "1500" }, concurrency: { type: "string", default: "8" }, seconds: { type: "string", default: "15" } } });
const ROWS = Math.min(Number(args.rows), 1_000_000);
const MAX_REQUESTS = Math.min(Number(args.requests), 100_000);
const CONCURRENCY = Math.min(Number(args.concurrency), 64);
const MAX_MS = Math.min(Number(args.seconds), 120) * 1000;

type Body = { query: string; variables?: Record<string, unknown> };
interface Stats { requests: number; errors: number; rps: number; p50: number; p99: number }

/** Sends `make(i)` with CONCURRENCY keep-alive workers until MAX_REQUESTS or MAX_MS. */
async function load(url: string, make: (i: number) => Body): Promise<Stats> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const deadline = performance.now() + MAX_MS;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < MAX_REQUESTS && performance.now() < deadline) {
      const body = make(next++);
      const t0 = performance.now();
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const json = (await res.json()) as { errors?: unknown[] };
      latencies.push(performance.now() - t0);
      if (!res.ok || json.errors) errors++;
    }
  }));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0).toFixed(2));
  return { requests: latencies.length, errors, rps: Math.round(latencies.length / ((performance.now() - started) / 1000)), p50: pct(50), p99: pct(99) };
}

/** Adds ROWS products with searchable word-list titles in one INSERT … SELECT (the tsvector column is generated). */
async function bulkInsert(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const adjectives = ["Classic", "Merino", "Walnut", "Linen", "Ceramic", "Leather", "Cotton", "Bamboo", "Copper", "Wool", "Vintage", "Urban"];
    const nouns = ["Sweater", "Mug", "Scarf", "Lamp", "Chair", "Bowl", "Shirt", "Jacket", "Vase", "Blanket", "Backpack", "Kettle"];
    await client.query(
      `INSERT INTO "Product" (id, slug, title, description, "priceMinor", "currencyCode", "categoryId", stock, "createdAt", "updatedAt")
       SELECT gen_random_uuid(), 'bench-' || g, a.w || ' ' || n.w || ' ' || g, 'A ' || lower(a.w) || ' ' || lower(n.w) || ' for the benchmark, item ' || g,
              500 + (g * 37) % 50000, 'USD', ($3::uuid[])[1 + g % array_length($3::uuid[], 1)], g % 200, now() - (g || ' seconds')::interval, now()
       FROM generate_series(1, $4::int) g
       CROSS JOIN LATERAL (SELECT ($1::text[])[1 + g % array_length($1::text[], 1)] AS w) a
       CROSS JOIN LATERAL (SELECT ($2::text[])[1 + (g / 7) % array_length($2::text[], 1)] AS w) n`,
      [adjectives, nouns, seedCategories.map((c) => c.id), ROWS],
    );
    await client.query(`ANALYZE "Product"`);
  } finally {
    await client.end();
  }
}

const world = await provisionProductsWorld();
const cached = await startTestProducts(world, { LOG_LEVEL: "silent", DATABASE_POOL_MAX: "10" });
const uncached = await startTestProducts(world, { LOG_LEVEL: "silent", DATABASE_POOL_MAX: "10", CACHE_ENABLED: "false" });
const gatewayFor = async (productsUrl: string) =>
  startGateway(loadGatewayConfig({ NODE_ENV: "test", PORT: "0", LOG_LEVEL: "silent", PRODUCTS_URL: productsUrl, RATE_LIMIT_ENABLED: "false", ...(world.redis.url ? { REDIS_URL: world.redis.url, REDIS_KEY_PREFIX: `${world.redis.prefix}gw:` } : {}) }), { logger: testLogger("gateway") });
const gatewayCached = await gatewayFor(cached.graphqlUrl);
const gatewayUncached = await gatewayFor(uncached.graphqlUrl);
try {
  const t0 = performance.now();
  await bulkInsert(world.database.url);
  const insertSeconds = ((performance.now() - t0) / 1000).toFixed(1);
  const total = (await cached.db.product.count()) as number;
  const ids = (await cached.db.product.findMany({ select: { id: true }, take: 200, orderBy: { createdAt: "desc" } })).map((p) => p.id);
  const terms = ["merino swea", "walnut bowl", "linen", "ceramic mug", "vintage lamp", "copper kett", "wool scarf", "bamboo"];
  const search = (i: number): Body => ({ query: "query($q: String) { products(first: 20, query: $q, sortKey: RELEVANCE) { totalCount edges { cursor node { id title price { amount } } } } }", variables: { q: terms[i % terms.length] } });
  const listing = (i: number): Body => ({ query: "query($c: String) { products(first: 20, filter: { categorySlug: $c }, sortKey: PRICE) { edges { node { id title price { amount } } } } }", variables: { c: seedCategories[i % seedCategories.length]!.slug } });
  const byId = (i: number): Body => ({ query: "query($id: ID) { product(id: $id) { id title price { amount currencyCode } category { name } } }", variables: { id: ids[i % 50] } });
  const rows: Record<string, Stats> = {};
  // Warm-up: fills Postgres' buffers and the entity cache before anything is measured.
  for (const url of [cached.graphqlUrl, `${gatewayCached.url}/graphql`]) await load(url, byId);
  await load(cached.graphqlUrl, search);
  for (let round = 1; round <= 2; round++) {
    rows[`search RELEVANCE — subgraph (r${round})`] = await load(cached.graphqlUrl, search);
    rows[`search RELEVANCE — gateway (r${round})`] = await load(`${gatewayCached.url}/graphql`, search);
    rows[`listing by category, PRICE — subgraph (r${round})`] = await load(cached.graphqlUrl, listing);
    rows[`product(id), cache on — subgraph (r${round})`] = await load(cached.graphqlUrl, byId);
    rows[`product(id), cache on — gateway (r${round})`] = await load(`${gatewayCached.url}/graphql`, byId);
    rows[`product(id), cache off — subgraph (r${round})`] = await load(uncached.graphqlUrl, byId);
    rows[`product(id), cache off — gateway (r${round})`] = await load(`${gatewayUncached.url}/graphql`, byId);
  }
  const r2 = (name: string) => rows[`${name} (r2)`]!;
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : "n/a");
  const md = [
    `# Catalog benchmark (${new Date().toISOString()})`,
    "",
    `${total.toLocaleString("en")} products (${ROWS.toLocaleString("en")} bulk-inserted in ${insertSeconds} s), concurrency ${CONCURRENCY}, ≤ ${MAX_REQUESTS} requests or ${MAX_MS / 1000} s per row, 2 interleaved rounds after a warm-up; loopback only.`,
    "",
    "| scenario | requests | errors | RPS | p50 ms | p99 ms |",
    "|---|---:|---:|---:|---:|---:|",
    ...Object.entries(rows).map(([name, s]) => `| ${name} | ${s.requests} | ${s.errors} | ${s.rps} | ${s.p50} | ${s.p99} |`),
    "",
    "## Targets (round 2)",
    "",
    `- Search page over ${total.toLocaleString("en")} rows, p99 at the subgraph: **${r2("search RELEVANCE — subgraph").p99} ms** (target < 50 ms).`,
    `- Cached product(id): gateway p50 / subgraph p50 = **${ratio(r2("product(id), cache on — gateway").p50, r2("product(id), cache on — subgraph").p50)}×** (target ≤ 2×); p99 ratio ${ratio(r2("product(id), cache on — gateway").p99, r2("product(id), cache on — subgraph").p99)}×.`,
    `- Cache on vs off at the subgraph, product(id) RPS: ${ratio(r2("product(id), cache on — subgraph").rps, r2("product(id), cache off — subgraph").rps)}×.`,
    "",
  ].join("\n");
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
  writeFileSync(new URL("./results/catalog.md", import.meta.url), md);
  writeFileSync(new URL("./results/catalog.raw.json", import.meta.url), JSON.stringify({ total, rows }, null, 2));
  console.log(md);
} finally {
  await gatewayCached.close();
  await gatewayUncached.close();
  await cached.close();
  await uncached.close();
  await world.close();
}
