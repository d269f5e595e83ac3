import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { GATEWAY_KINDS, type GatewayKind } from "./gateways.ts";

/** The passes of a run: against the real subgraphs, and against their recorded answers. */
export const BENCH_MODES = ["engine", "replay"] as const;

/** Command-line options of `pnpm bench` (defaults keep the whole run under ~10 minutes on 2 cores). */
export interface BenchOptions {
  quick: boolean;
  /** Length of each measured run, and of each warm-up run. */
  seconds: number;
  warmupSeconds: number;
  /** Measured rounds after the warm-up round. */
  rounds: number;
  /** Worker processes per gateway; each count is a separate pass over every gateway. */
  workers: number[];
  /** Scenarios of the passes with more than one worker (all of them with --all-scenarios-multiworker). */
  multiWorkerScenarios: string[] | undefined;
  connections: number;
  /** placeOrder arrival rate (requests/s). */
  orderRate: number;
  /** Shopgraph gateway soak under the heavy scenario; 0 skips it. */
  soakSeconds: number;
  /** Length of the --cpu-prof capture of the heavy scenario; 0 skips it. */
  profileSeconds: number;
  /** The separate run with caches on (products entity cache, gateway dedup). */
  cacheRun: boolean;
  scenarios: string[] | undefined;
  /** First port to use (consecutive); unset = ports the OS hands out. */
  portBase: number | undefined;
  /** Output path without extension: <out>.md and <out>.raw.json. */
  out: string;
  /** Extra environment for the Shopgraph gateway only (experiments: MALLOC_ARENA_MAX, NODE_OPTIONS). */
  shopgraphEnv: Record<string, string>;
  /** Node flags of the Shopgraph gateway instead of its deployed ones (GATEWAY_NODE_FLAGS); undefined = the deployed ones. */
  shopgraphNodeFlags: string[] | undefined;
  /** Which passes run: "engine" (real subgraphs) and/or "replay" (recorded subgraph answers). */
  modes: (typeof BENCH_MODES)[number][];
  /** Scenarios of the replay pass. */
  replayScenarios: string[];
  /** Gateways under comparison. */
  gateways: GatewayKind[];
}

const HELP = `pnpm bench [options]
  --quick                 1 round of 1 s per scenario, 1 worker, no soak, no cache run, short profile
  --seconds N             measured run length (default 1.5; heavy runs 1.5 times as long)
  --warmup-seconds N      warm-up run length (default 0.5)
  --rounds N              measured rounds after the warm-up round (default 3)
  --workers 1,2           worker processes per gateway (default 1,2); passes with >1 worker run the
                          the core scenarios small, heavy, auth unless --all-scenarios-multiworker
  --connections N         autocannon connections (default 16)
  --order-rate N          placeOrder requests/s (default 10)
  --soak-seconds N        soak of the Shopgraph gateway under the heavy query (default 60; 300 for the long soak; 0 = off)
  --profile-seconds N     --cpu-prof capture of the heavy scenario (default 6; 0 = off)
  --no-cache-run          skip the run with the entity cache and dedup on
  --scenarios a,b         only these scenario ids (small, heavy, fanout-10, fanout-100, apq, auth, place-order, deep)
  --port-base N           use ports N, N+1, … instead of ephemeral ones
  --out PATH              results path without extension (default bench/results/latest)
  --shopgraph-env K=V     extra environment for the Shopgraph gateway only (repeatable; for experiments)
  --shopgraph-node-flags "F …"  the Shopgraph gateway's Node flags instead of its deployed heap flags
                          (gateway/src/node-flags.ts); "" = none, V8's defaults (for comparisons)
  --modes engine,replay   passes: engine = real subgraphs, replay = their answers recorded once and
                          served from memory (the gateway alone is the bottleneck); default both
  --replay-scenarios a,b  scenarios of the replay pass (default heavy,fanout-100)
  --gateways a,b          gateways compared (default shopgraph,apollo,hive,hive-router; apollo is always kept: ratios are against it)`;

const positiveNumber = (name: string, value: string | undefined, fallback: number, min = 0): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number ≥ ${min}`);
  return n;
};

/** Parses argv; --quick changes the defaults, explicit flags still win. */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      seconds: { type: "string" },
      "warmup-seconds": { type: "string" },
      rounds: { type: "string" },
      workers: { type: "string" },
      "all-scenarios-multiworker": { type: "boolean", default: false },
      connections: { type: "string" },
      "order-rate": { type: "string" },
      "soak-seconds": { type: "string" },
      "profile-seconds": { type: "string" },
      "no-cache-run": { type: "boolean", default: false },
      scenarios: { type: "string" },
      "port-base": { type: "string" },
      out: { type: "string" },
      "shopgraph-env": { type: "string", multiple: true },
      "shopgraph-node-flags": { type: "string" },
      modes: { type: "string" },
      "replay-scenarios": { type: "string" },
      gateways: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const list = (v: string | undefined) =>
    v
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  const modes = list(values.modes) ?? [...BENCH_MODES];
  for (const m of modes)
    if (!(BENCH_MODES as readonly string[]).includes(m))
      throw new Error(`--modes: unknown mode "${m}" (${BENCH_MODES.join(", ")})`);
  const gateways = list(values.gateways) ?? [...GATEWAY_KINDS];
  for (const g of gateways)
    if (!(GATEWAY_KINDS as readonly string[]).includes(g))
      throw new Error(`--gateways: unknown gateway "${g}" (${GATEWAY_KINDS.join(", ")})`);
  if (!gateways.includes("apollo")) gateways.push("apollo");
  const workers = (values.workers ?? (quick ? "1" : "1,2"))
    .split(",")
    .map((w) => positiveNumber("workers", w.trim(), 1, 1));
  return {
    quick,
    seconds: positiveNumber("seconds", values.seconds, quick ? 1 : 1.5, 0.5),
    warmupSeconds: positiveNumber("warmup-seconds", values["warmup-seconds"], 0.5, 0.5),
    rounds: Math.round(positiveNumber("rounds", values.rounds, quick ? 1 : 3, 1)),
    workers: workers.map(Math.round),
    multiWorkerScenarios: values["all-scenarios-multiworker"] ? undefined : ["small", "heavy", "auth"],
    connections: Math.round(positiveNumber("connections", values.connections, 16, 1)),
    orderRate: positiveNumber("order-rate", values["order-rate"], 10, 1),
    soakSeconds: positiveNumber("soak-seconds", values["soak-seconds"], quick ? 0 : 60),
    profileSeconds: positiveNumber("profile-seconds", values["profile-seconds"], quick ? 3 : 6),
    cacheRun: !(values["no-cache-run"] ?? false) && !quick,
    scenarios: values.scenarios
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    portBase: values["port-base"] === undefined ? undefined : positiveNumber("port-base", values["port-base"], 0, 1),
    out: values.out ?? fileURLToPath(new URL("../results/latest", import.meta.url)),
    modes: modes as BenchOptions["modes"],
    replayScenarios: list(values["replay-scenarios"]) ?? ["heavy", "fanout-100"],
    gateways: gateways as GatewayKind[],
    shopgraphNodeFlags: values["shopgraph-node-flags"]?.split(/\s+/).filter(Boolean),
    shopgraphEnv: Object.fromEntries(
      (values["shopgraph-env"] ?? []).map((pair) => {
        const at = pair.indexOf("=");
        if (at < 1) throw new Error(`--shopgraph-env wants KEY=VALUE, got "${pair}"`);
        return [pair.slice(0, at), pair.slice(at + 1)];
      }),
    ),
  };
}
