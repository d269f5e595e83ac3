/**
 * The catalog issue's targets, measured in one run with every server in its own process (as
 * deployed: four subgraphs + the Shopgraph gateway; this process only generates load):
 *   1. a search page (RELEVANCE, totalCount) over 100,000 products: p99 at the products subgraph
 *      (target < 50 ms) at a fixed arrival rate, and the highest rate that keeps it;
 *   2. a cached `product(id)` through the gateway vs directly at the subgraph (target ≤ 2× latency);
 *   3. search, listing and product(id) latency and throughput (RPS at 8 connections) through the
 *      gateway and direct, entity cache on and off.
 *
 *   node bench/catalog-bench.ts [--rows 100000] [--seconds 10] [--search-rate 20] [--read-rate 100]
 *
 * Open-loop load (bench/lib/open-loop.ts): arrivals at a fixed rate, latency from each request's
 * due time, so queueing is not hidden. Everything is on 127.0.0.1 over fresh databases and its own
 * Redis prefix. Results: bench/results/catalog.md (+ .raw.json).
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { seedCategories } from "../packages/fixtures/src/index.ts";
import { startBenchStack, startShopgraphGateway } from "./lib/bench-stack.ts";
import type { RunningGateway } from "./lib/gateways.ts";
import { runLoad, type LoadResult } from "./lib/load.ts";
import { runOpenLoop, type OpenLoopRequest, type OpenLoopResult } from "./lib/open-loop.ts";
import { writeBenchResults } from "./lib/results.ts";
import { productsCacheEnv } from "./lib/stack.ts";

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "100000" },
    seconds: { type: "string", default: "10" },
    "search-rate": { type: "string", default: "20" },
    "read-rate": { type: "string", default: "100" },
  },
});
const ROWS = Math.min(Number(args.rows), 1_000_000);
const SECONDS = Math.min(Number(args.seconds), 120);
const SEARCH_RATE = Number(args["search-rate"]);
const READ_RATE = Number(args["read-rate"]);
/** Search arrival rates tried at the subgraph, in order, until p99 passes 200 ms. */
const SWEEP_RATES = [20, 40, 60, 80, 100, 120];

/** Adds ROWS products with searchable word-list titles in one INSERT … SELECT (the tsvector column is generated). */
async function bulkInsert(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const adjectives = [
      "Classic",
      "Merino",
      "Walnut",
      "Linen",
      "Ceramic",
      "Leather",
      "Cotton",
      "Bamboo",
      "Copper",
      "Wool",
      "Vintage",
      "Urban",
    ];
    const nouns = [
      "Sweater",
      "Mug",
      "Scarf",
      "Lamp",
      "Chair",
      "Bowl",
      "Shirt",
      "Jacket",
      "Vase",
      "Blanket",
      "Backpack",
      "Kettle",
    ];
    await client.query(
      `INSERT INTO "Product" (id, slug, title, description, "priceMinor", "currencyCode", "categoryId", stock, "createdAt", "updatedAt")
       SELECT gen_random_uuid(), 'bench-' || g, a.w || ' ' || n.w || ' ' || g, 'A ' || lower(a.w) || ' ' || lower(n.w) || ' for the benchmark, item ' || g,
              500 + (g * 37) % 50000, 'USD', ($3::uuid[])[1 + g % array_length($3::uuid[], 1)], g % 200, now() - (g || ' seconds')::interval, now()
       FROM generate_series(1, $4::int) g
       CROSS JOIN LATERAL (SELECT ($1::text[])[1 + g % array_length($1::text[], 1)] AS w) a
       CROSS JOIN LATERAL (SELECT ($2::text[])[1 + (g / 7) % array_length($2::text[], 1)] AS w) n`,
      [adjectives, nouns, seedCategories.map((c) => c.id), ROWS],
    );
    await client.query(`VACUUM ANALYZE "Product"`);
  } finally {
    await client.end();
  }
}

/** The newest product ids (product(id) cycles through 50 of them: a hot set the cache can hold). */
async function newestIds(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM "Product" WHERE "archivedAt" IS NULL ORDER BY "createdAt" DESC LIMIT 50`,
    );
    return rows.map((r) => r.id);
  } finally {
    await client.end();
  }
}

const body = (query: string, variables: Record<string, unknown>): OpenLoopRequest => ({
  body: JSON.stringify({ query, variables }),
});
// Broad one-word terms match ~8,300 rows each (1/12 of the catalog); two-word prefixes match fewer.
const TERMS = [
  "merino swea",
  "walnut bowl",
  "linen",
  "ceramic mug",
  "vintage lamp",
  "copper kett",
  "wool scarf",
  "bamboo",
];
const SEARCH =
  "query($q: String) { products(first: 20, query: $q, sortKey: RELEVANCE) { totalCount edges { cursor node { id title price { amount } } } } }";
const LISTING =
  "query($c: String) { products(first: 20, filter: { categorySlug: $c }, sortKey: PRICE) { edges { node { id title price { amount } } } } }";
const BY_ID = "query($id: ID) { product(id: $id) { id title price { amount currencyCode } category { name } } }";

const bench = await startBenchStack({ tag: "catalog-bench", productsCache: "on" });
const { stack, log } = bench;
let gateway: RunningGateway | undefined;
try {
  gateway = await startShopgraphGateway(bench, "catalog");
  const t0 = performance.now();
  await bulkInsert(stack.databases.products);
  const insertSeconds = ((performance.now() - t0) / 1000).toFixed(1);
  const ids = await newestIds(stack.databases.products);
  const targets = { subgraph: stack.urls.products, gateway: gateway.url };
  const scenarios = {
    search: { rate: SEARCH_RATE, next: (i: number) => body(SEARCH, { q: TERMS[i % TERMS.length] }) },
    listing: {
      rate: READ_RATE / 2,
      next: (i: number) => body(LISTING, { c: seedCategories[i % seedCategories.length]!.slug }),
    },
    "product(id)": { rate: READ_RATE, next: (i: number) => body(BY_ID, { id: ids[i % ids.length] }) },
  };
  type ScenarioName = keyof typeof scenarios;
  const rows: Record<string, OpenLoopResult> = {};
  const run = async (label: string, name: ScenarioName, target: keyof typeof targets, seconds = SECONDS) => {
    const result = await runOpenLoop({ url: targets[target], seconds, ...scenarios[name] });
    rows[label] = result;
    log(`${label}: p50 ${result.p50} ms, p99 ${result.p99} ms, ${result.failed} failed`);
  };
  // Warm-up: Postgres' buffers, the plan caches and the entity cache, unmeasured.
  for (const name of Object.keys(scenarios) as ScenarioName[])
    for (const target of ["subgraph", "gateway"] as const)
      await runOpenLoop({ url: targets[target], seconds: 2, ...scenarios[name] });

  log("cache on: two interleaved rounds");
  for (let round = 1; round <= 2; round++) {
    for (const name of Object.keys(scenarios) as ScenarioName[]) {
      for (const target of ["subgraph", "gateway"] as const)
        await run(`${name}, cache on — ${target} (r${round})`, name, target);
    }
  }
  log("search rate sweep, direct: the highest arrival rate that keeps p99 under 50 ms");
  const sweep: OpenLoopResult[] = [];
  for (const rate of SWEEP_RATES) {
    const result = await runOpenLoop({ url: targets.subgraph, seconds: SECONDS, rate, next: scenarios.search.next });
    sweep.push(result);
    log(`search at ${rate}/s: p50 ${result.p50} ms, p99 ${result.p99} ms, ${result.failed} failed`);
    if (result.p99 > 200) break;
  }
  const sustained = sweep.filter((r) => r.p99 < 50 && r.failed === 0).at(-1);
  // Throughput: 8 connections sending as fast as they are answered (closed loop), per scenario and target.
  const throughput: Record<string, LoadResult> = {};
  const saturate = async (cache: "on" | "off") => {
    for (const name of Object.keys(scenarios) as ScenarioName[]) {
      for (const target of ["subgraph", "gateway"] as const) {
        let i = 0;
        const result = await runLoad({
          url: targets[target],
          seconds: SECONDS,
          connections: 8,
          next: () => ({ headers: {}, body: scenarios[name].next(i++).body }),
        });
        throughput[`${name}, cache ${cache} — ${target}`] = result;
        log(`throughput ${name}, cache ${cache} — ${target}: ${result.rps.toFixed(0)} req/s`);
      }
    }
  };
  await saturate("on");

  log("restarting products with its entity cache off");
  await stack.restart(["products"], productsCacheEnv("off"));
  await runOpenLoop({ url: targets.subgraph, seconds: 2, ...scenarios["product(id)"] });
  for (let round = 1; round <= 2; round++) {
    for (const target of ["subgraph", "gateway"] as const)
      await run(`product(id), cache off — ${target} (r${round})`, "product(id)", target);
  }
  await saturate("off");

  const r2 = (label: string) => rows[`${label} (r2)`]!;
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : "n/a");
  const md = [
    `# Catalog benchmark (${new Date().toISOString()})`,
    "",
    `${(ROWS + 0).toLocaleString("en")} bulk-inserted products (${insertSeconds} s) plus the demo seed; four subgraphs and the Shopgraph gateway (1 worker) each in its own process; `,
    `open-loop load at a fixed arrival rate (search ${SEARCH_RATE}/s, listing ${READ_RATE / 2}/s, product(id) ${READ_RATE}/s), ${SECONDS} s per row, latency from each request's due time; `,
    "2 interleaved rounds after a warm-up; loopback only; 2 cores shared by everything.",
    "",
    "| scenario | rate/s | completed | failed | p50 ms | p90 ms | p99 ms | max ms |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    ...Object.entries(rows).map(
      ([label, r]) =>
        `| ${label} | ${r.rate} | ${r.completed} | ${r.failed} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} |`,
    ),
    "",
    "Search (RELEVANCE + totalCount) at the subgraph, rising arrival rate:",
    "",
    "| rate/s | completed | failed | p50 ms | p90 ms | p99 ms | max ms |",
    "|---:|---:|---:|---:|---:|---:|---:|",
    ...sweep.map((r) => `| ${r.rate} | ${r.completed} | ${r.failed} | ${r.p50} | ${r.p90} | ${r.p99} | ${r.max} |`),
    "",
    "Throughput: 8 connections, each sending as soon as it is answered (closed loop):",
    "",
    "| scenario | RPS | p50 ms | p99 ms | errors | gateway / subgraph RPS |",
    "|---|---:|---:|---:|---:|---:|",
    ...Object.entries(throughput).map(([label, r]) => {
      const direct = label.endsWith("gateway") ? throughput[label.replace(/gateway$/, "subgraph")] : undefined;
      return `| ${label} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.non2xx + r.errors} | ${direct ? ratio(r.rps, direct.rps) : ""} |`;
    }),
    "",
    "## Targets (round 2)",
    "",
    `- Search page (RELEVANCE + totalCount) over ${ROWS.toLocaleString("en")}+ rows at ${SEARCH_RATE}/s, p99 at the subgraph: **${r2("search, cache on — subgraph").p99} ms** (target < 50 ms); through the gateway ${r2("search, cache on — gateway").p99} ms.`,
    `- Highest search arrival rate with p99 < 50 ms at the subgraph: **${sustained ? `${sustained.rate}/s` : "none"}** (tried ${sweep.map((r) => r.rate).join(", ")}/s).`,
    `- Cached product(id): gateway p50 / subgraph p50 = **${ratio(r2("product(id), cache on — gateway").p50, r2("product(id), cache on — subgraph").p50)}×** (target ≤ 2×); p99 ratio ${ratio(r2("product(id), cache on — gateway").p99, r2("product(id), cache on — subgraph").p99)}×.`,
    `- Entity cache at the subgraph, product(id) p50 off / on: ${ratio(r2("product(id), cache off — subgraph").p50, r2("product(id), cache on — subgraph").p50)}×.`,
    "",
  ].join("\n");
  writeBenchResults(fileURLToPath(new URL("./results/catalog", import.meta.url)), md, { rows, sweep, throughput });
} finally {
  await gateway?.stop();
  await stack.close();
}
