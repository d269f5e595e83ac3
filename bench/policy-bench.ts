/**
 * Issue 17 §4: what the subgraph call policy (timeout, retry, circuit breaker) costs per call, the
 * gateway's own against the same policy expressed with cockatiel alone, on the hot path's
 * shape: a fetch that resolves and succeeds (bench/lib/policy-variants.ts). Counted in CPU time
 * (process.cpuUsage) and bytes allocated (v8.GCProfiler), not wall time: the machine is shared.
 *
 * Each "request" makes `--calls` concurrent subgraph calls, as a heavy gateway request does (4).
 * The variants run interleaved, their order rotated every round; round 0 is the warm-up; medians and
 * the per-round ratio against the gateway's path come from one run. The extra cost is set
 * against `--request-cpu-ms`, the gateway's CPU per heavy request (≈ 1.9 ms, issue 16).
 *
 *   pnpm bench:policy [--rounds 9] [--requests 20000] [--calls 4] [--request-cpu-ms 1.9] [--out bench/results/policy]
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { GCProfiler, getHeapStatistics } from "node:v8";
import { allocatedBytes, summarizePolicy, type PolicyRow, type PolicySample } from "./lib/policy-stats.ts";
import { answeringDispatcher, POLICY_VARIANTS, policyCall, type SubgraphCall } from "./lib/policy-variants.ts";
import { writeBenchResults } from "./lib/results.ts";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "9" },
    requests: { type: "string", default: "20000" },
    calls: { type: "string", default: "4" },
    "request-cpu-ms": { type: "string", default: "1.9" },
    out: { type: "string", default: "bench/results/policy" },
  },
});
const rounds = Number(args.rounds);
const requests = Number(args.requests);
const callsPerRequest = Number(args.calls);
const requestCpuMs = Number(args["request-cpu-ms"]);
for (const [name, value] of Object.entries({ rounds, requests, callsPerRequest, requestCpuMs }))
  if (!(value > 0)) throw new Error(`bench:policy: --${name} must be a positive number`);

// A subgraph answer of a typical entity fetch's size (what it is does not matter: every variant reads the same).
const answer = JSON.stringify({
  data: { _entities: Array.from({ length: 20 }, (_, i) => ({ id: `p${i}`, name: `Product ${i}`, price: 1_000 + i })) },
});
const dispatcher = answeringDispatcher(answer);
const calls = new Map(POLICY_VARIANTS.map((v) => [v, policyCall(v, dispatcher)]));

async function measure(call: SubgraphCall): Promise<Omit<PolicySample, "variant" | "round" | "load">> {
  const profiler = new GCProfiler();
  profiler.start();
  const heapAtStart = getHeapStatistics().used_heap_size;
  const wallAtStart = process.hrtime.bigint();
  const cpuAtStart = process.cpuUsage();
  const batch: Promise<{ status: number }>[] = new Array<Promise<{ status: number }>>(callsPerRequest);
  for (let r = 0; r < requests; r++) {
    for (let c = 0; c < callsPerRequest; c++) batch[c] = call();
    for (const res of await Promise.all(batch)) if (res.status !== 200) throw new Error(`status ${res.status}`);
  }
  const cpu = process.cpuUsage(cpuAtStart);
  const wallNs = Number(process.hrtime.bigint() - wallAtStart);
  const heapAtEnd = getHeapStatistics().used_heap_size;
  const gcs = profiler.stop()?.statistics ?? [];
  return {
    calls: requests * callsPerRequest,
    cpuNs: (cpu.user + cpu.system) * 1_000,
    wallNs,
    allocatedBytes: allocatedBytes(
      heapAtStart,
      heapAtEnd,
      gcs.map((gc) => ({
        before: gc.beforeGC.heapStatistics.usedHeapSize,
        after: gc.afterGC.heapStatistics.usedHeapSize,
      })),
    ),
    gcs: gcs.length,
  };
}

const startedAt = new Date();
const loadAtStart = loadavg();
const samples: PolicySample[] = [];
for (let round = 0; round <= rounds; round++) {
  const order = POLICY_VARIANTS.map((_, i) => POLICY_VARIANTS[(i + round) % POLICY_VARIANTS.length]!);
  for (const variant of order) {
    const load = loadavg()[0]!;
    samples.push({ variant, round, load, ...(await measure(calls.get(variant)!)) });
    const s = samples.at(-1)!;
    process.stderr.write(
      `round ${round} ${variant.padEnd(15)} ${(s.cpuNs / s.calls).toFixed(0).padStart(6)} ns/call CPU, ` +
        `${(s.allocatedBytes / s.calls).toFixed(0).padStart(5)} B/call, ${s.gcs} GCs, load ${load.toFixed(2)}\n`,
    );
  }
}
const loadAtEnd = loadavg();
const scale = { floor: "bare", reference: "gateway", callsPerRequest, requestCpuMs };
const rows = summarizePolicy(samples, scale);

const f = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "–");
const pct = (share: number) => (Number.isFinite(share) ? `${(share * 100).toFixed(2)} %` : "–");
const row = (r: PolicyRow) =>
  `| ${r.variant} | ${f(r.cpuNsPerCall)} | ${f(r.policyNsPerCall)} | ${f(r.ratio, 2)} | ${f(r.extraNsPerCall)} | ` +
  `${f((r.extraNsPerCall * callsPerRequest) / 1_000, 1)} | ${pct(r.extraShareOfRequest)} | ${f(r.bytesPerCall)} | ${f(r.wallNsPerCall)} |`;
const markdown = [
  "# Subgraph call policy: the gateway's against cockatiel alone (issue 17 §4)",
  "",
  `- **date**: ${startedAt.toISOString()}`,
  `- **machine**: ${cpus().length} × ${cpus()[0]?.model.trim() ?? "?"}, Node ${process.version}, shared with other sessions`,
  `- **load average** (1, 5, 15 min): ${loadAtStart.map((l) => l.toFixed(2)).join(", ")} at the start, ` +
    `${loadAtEnd.map((l) => l.toFixed(2)).join(", ")} at the end`,
  `- **command**: \`pnpm bench:policy --rounds ${rounds} --requests ${requests} --calls ${callsPerRequest} ` +
    `--request-cpu-ms ${requestCpuMs}\``,
  `- **shape**: ${requests} requests per variant and round, each making ${callsPerRequest} concurrent subgraph calls ` +
    `(${requests * callsPerRequest} calls) to a dispatcher that answers at once (200, ${answer.length} B JSON); ` +
    `variants interleaved, order rotated each round, ${rounds} measured rounds after a warm-up round; ` +
    "medians, and ratios and differences taken within each round",
  "- **variants**: `bare` the fetch with no policy (exchange() on a signal that never aborts, the response); " +
    "`gateway` the gateway's createSubgraphFetcher as it is (cockatiel retry and timeout around its own breaker); " +
    "`cockatiel` wrap(retry, circuitBreaker, timeout) of cockatiel 4.0.0 with its defaults; `cockatiel-lean` " +
    "the same with `abortOnReturn: false`",
  "",
  `| variant | CPU ns/call | policy ns/call (above bare) | × gateway | extra ns/call vs gateway | extra µs per request (${callsPerRequest} calls) | extra share of a ${requestCpuMs} ms request | bytes allocated/call | wall ns/call |`,
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ...rows.map(row),
  "",
].join("\n");
writeBenchResults(args.out, markdown, { startedAt, loadAtStart, loadAtEnd, scale, rows, samples });
