import type { Measurement } from "./measure.ts";
import type { BenchOptions } from "./options.ts";
import type { TargetCheck } from "./report.ts";
import type { SoakResult } from "./soak.ts";
import { GATEWAY_MALLOC_ENV, GATEWAY_NODE_FLAGS } from "../../gateway/src/node-flags.ts";
import { PRODUCTS_CACHE_SWITCH, type SubgraphName } from "./stack.ts";
import { pairedRatio, type SummaryRow } from "./summary.ts";
import type { TokenPool } from "./tokens.ts";

const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : "–");

/** End-to-end heavy-query RPS through Shopgraph's gateway before issue 16 (bench of session 3, real subgraphs). */
export const HEAVY_RPS_BEFORE = 20;

/**
 * Issue 16's targets, per worker count: the engine ratios on the replay pass (heavy and fan-out
 * N=100), the single-subgraph overhead and the subgraph figures on the real-subgraph pass.
 */
export function evaluateTargets(
  all: readonly Measurement[],
  rows: readonly SummaryRow[],
  soak: SoakResult | null,
  workers: readonly number[],
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const ok = (v: number, pass: (v: number) => boolean) => (Number.isFinite(v) ? pass(v) : null);
  for (const w of workers) {
    for (const scenario of ["heavy", "fanout-100"]) {
      const select = { mode: "replay", workers: w, scenario };
      if (!all.some((m) => m.mode === "replay" && m.workers === w && m.scenario === scenario)) continue;
      const vsApollo = pairedRatio(all, select, "shopgraph", "apollo", (m) => m.load.rps);
      const vsHive = pairedRatio(all, select, "shopgraph", "hive-router", (m) => m.load.rps);
      const p99 = pairedRatio(all, select, "shopgraph", "apollo", (m) => m.load.p99);
      checks.push(
        {
          target: `${w}w replay ${scenario}: RPS ≥ 3.5× plain @apollo/gateway`,
          measured: `${f(vsApollo)}×`,
          met: ok(vsApollo, (v) => v >= 3.5),
        },
        {
          target: `${w}w replay ${scenario}: RPS ≥ 1.2× Hive Gateway + router-runtime`,
          measured: `${f(vsHive)}×`,
          met: ok(vsHive, (v) => v >= 1.2),
        },
        {
          target: `${w}w replay ${scenario}: p99 ≤ 0.35× plain @apollo/gateway`,
          measured: `${f(p99)}×`,
          met: ok(p99, (v) => v <= 0.35),
        },
      );
    }
    const serial = rows.find(
      (r) => r.mode === "engine" && r.workers === w && r.scenario === "small-serial" && r.target === "shopgraph",
    );
    if (serial) {
      const overhead = serial.vsDirect?.p50 ?? Number.NaN;
      checks.push({
        target: `${w}w: single-subgraph p50 overhead vs direct ≤ 1 ms (1 connection)`,
        measured: `+${f(overhead)} ms (${f(serial.p50)} vs ${f(serial.p50 - overhead)} ms)`,
        met: ok(overhead, (v) => v <= 1),
      });
    }
    const heavy = rows.find(
      (r) => r.mode === "engine" && r.workers === w && r.scenario === "heavy" && r.target === "shopgraph",
    );
    if (heavy) {
      checks.push(
        {
          target: `${w}w: subgraph CPU per heavy operation ≤ 20 ms (all four)`,
          measured: `${f(heavy.subgraphCpuMsPerRequest, 1)} ms`,
          met: ok(heavy.subgraphCpuMsPerRequest, (v) => v <= 20),
        },
        {
          target: `${w}w: end-to-end heavy RPS ≥ 3× before (${HEAVY_RPS_BEFORE} RPS)`,
          measured: `${f(heavy.rps, 0)} RPS (${f(heavy.rps / HEAVY_RPS_BEFORE)}×)`,
          met: ok(heavy.rps, (v) => v >= 3 * HEAVY_RPS_BEFORE),
        },
      );
    }
  }
  const shopgraph = all.filter((m) => m.target === "shopgraph" && (m.mode === "engine" || m.mode === "replay"));
  const peak = shopgraph.length ? Math.max(...shopgraph.map((m) => m.peakRssMb)) : Number.NaN;
  checks.push({
    target: "RSS ≤ 300 MB (largest Shopgraph gateway process, peak over the run)",
    measured: `${f(peak, 0)} MB`,
    met: Number.isFinite(peak) ? peak <= 300 : null,
  });
  checks.push(
    soak
      ? {
          target: `no memory growth over the soak (${soak.seconds} s; heap retained after GC)`,
          measured: `${soak.retainedGrowthMb >= 0 ? "+" : ""}${f(soak.retainedGrowthMb, 1)} MB retained; RSS ${f(soak.firstThirdMb, 0)} → ${f(soak.lastThirdMb, 0)} MB`,
          met: soak.stable,
        }
      : { target: "no RSS growth over the soak", measured: "not run", met: null },
  );
  return checks;
}

/** Which Node flags the Shopgraph gateway ran with: its deployed heap flags unless --shopgraph-node-flags replaced them. */
function nodeFlagsNote(flags: string[] | undefined): string {
  const ran =
    flags === undefined
      ? `its deployed heap flags \`${GATEWAY_NODE_FLAGS.join(" ")}\` (gateway/src/node-flags.ts)`
      : flags.length === 0
        ? 'V8\'s default heap sizing (--shopgraph-node-flags "")'
        : `\`${flags.join(" ")}\` (--shopgraph-node-flags)`;
  const malloc = Object.entries(GATEWAY_MALLOC_ENV)
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
  return `Node flags: the Shopgraph gateway ran with ${ran} and its deployed glibc malloc settings \`${malloc}\` unless --shopgraph-env replaced them; the other gateways with V8's and glibc's defaults.`;
}

/** The caveats every report carries. */
export function methodNotes(
  options: BenchOptions,
  background: Record<SubgraphName, number>,
  tokens: { admin: TokenPool; customers: TokenPool },
): string[] {
  const bg = Object.entries(background)
    .map(([n, v]) => `${n} ${v.toFixed(1)}`)
    .join(", ");
  return [
    "Replay pass: a replay process (bench/gateways/replay-server.ts) stands in front of the real subgraphs; each scenario is sent once through each gateway while it records every subgraph answer keyed by the exact request body (operation + variables; the token is a header), then it answers from memory only. Requests keep their unique tokens, so no gateway can merge them; dedup is off. Unrecorded bodies are answered with a REPLAY_MISS error and counted (see the log line per pass).",
    "Subgraphs: the four real subgraphs, each in its own process started from its own `src/index.ts` (NODE_ENV=test, seeded), on fresh databases on the local PostgreSQL and a private Redis key prefix. 110 customers are registered and 100 orders placed through the subgraphs' own mutations before measuring.",
    `Workers: passes with more than one worker run ${options.multiWorkerScenarios ? options.multiWorkerScenarios.join(", ") : "every scenario"}. Every gateway runs through \`bench/gateways/cluster.ts\`: 1 worker = the gateway in one process; N workers = node:cluster (the primary only accepts and hands out connections round-robin). CPU and RSS are read from /proc for the whole process tree; 'max proc' is the largest single process.`,
    nodeFlagsNote(options.shopgraphNodeFlags),
    "CPU ms/req is user+system CPU of the gateway's process tree over the run divided by the requests it handled (those still in flight when the load stopped included; the run ends when the subgraphs are quiet again); 10 ms tick resolution per process. Subgraph CPU per request is in the raw JSON.",
    "Subgraph req/op is counted inside each subgraph (Node's http.server.request.start diagnostics channel, preloaded probe); 'svc' are subgraph-to-subgraph calls (orders → products with the service token). SQL/op counts every `pg` Client#query under Prisma's driver adapter (transaction control included), with the idle background rate subtracted (statements/s: " +
      bg +
      ").",
    `Caching off (engine comparison): no gateway has a response cache configured; in-flight dedup of identical subgraph queries is off in Shopgraph (SUBGRAPH_DEDUP=false) and Hive (transport deduplicateInflightRequests=false; plain Apollo has none); ${PRODUCTS_CACHE_SWITCH ? "the products entity cache is off (CACHE_ENABLED=false)" : "the products entity cache has no off switch in this tree, so it runs at its minimum TTL (CACHE_TTL_SECONDS=1)"} for every gateway alike. Cache run (1 worker, small and heavy): products TTL 300 s, dedup on in Shopgraph and Hive (Hive's default). What exists: products' Redis entity cache (cache-aside, versioned invalidation), gateway APQ (query text only) and in-flight dedup; there is no gateway response cache.`,
    `Tokens: unique per request from pools of ${tokens.admin.size} admin and ${tokens.customers.size} customer tokens signed before measuring with the key users publishes (JWT_PRIVATE_KEYS); pools started over ${tokens.admin.wrapped} (admin) and ${tokens.customers.wrapped} (customers) times over the whole benchmark, never within one run at these rates.`,
    "APQ: Apollo Server and the Shopgraph gateway (Redis store) register the hash once per gateway start; Hive Gateway has no APQ registration built in, so it serves the same hash from its persisted-documents lookup (in memory).",
    "Latency overhead: scenario (a) also runs over a single connection, where the p50 difference to the subgraph called directly is the gateway's own cost; over 16 connections p50 is mostly queueing on the shared CPUs.",
    "placeOrder runs at a fixed rate (autocannon overallRate, closed-loop per connection: latency under overload is understated).",
    "p50/p99 come from every response's own timing (µs resolution), not autocannon's whole-millisecond histogram. Everything shares 2 CPU cores (load generator, gateway, 4 subgraphs, PostgreSQL, Redis), so absolute numbers are machine-bound and the subgraphs cap every gateway on the federated scenarios.",
    `Run options: ${JSON.stringify({ ...options, out: undefined })}.`,
    `Values are medians of ${options.rounds} measured round(s); every round's numbers are in the raw JSON.`,
  ];
}
