import { GATEWAY_LABELS } from "./gateways.ts";
import type { Target } from "./measure.ts";
import type { SoakResult } from "./soak.ts";
import type { SummaryRow } from "./summary.ts";

/** A pass/fail line of the issue's targets. */
export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null;
}

/** A correctness probe of one scenario against one target. */
export interface CheckRecord {
  workers: number;
  mode: string;
  scenario: string;
  target: Target;
  ok: boolean;
  note: string;
}

/** Everything the markdown report shows. */
export interface ReportInput {
  meta: Record<string, string>;
  scenarioTitles: Record<string, string>;
  rows: SummaryRow[];
  targets: TargetCheck[];
  checks: CheckRecord[];
  soak: SoakResult | null;
  /** Markdown table of the subgraph work of single operations. */
  work: string;
  profile: string | null;
  notes: string[];
}

const f = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : "–");
const x = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "" : ` (${v.toFixed(2)}×)`);

function table(rows: SummaryRow[], titles: Record<string, string>, checks: CheckRecord[]): string {
  const lines = [
    "| scenario | gateway | RPS (×apollo) | p50 ms | p99 ms (×apollo) | CPU ms/req (×apollo) | subgraphs CPU ms/req | RSS MB tree / max proc / peak | subgraph req/op | SQL/op | non-2xx | check |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const r of rows) {
    const check = checks.find(
      (c) => c.scenario === r.scenario && c.target === r.target && c.workers === r.workers && c.mode === r.mode,
    );
    const overhead = r.vsDirect ? ` (+${f(r.vsDirect.p50, 2)} vs direct)` : "";
    lines.push(
      `| ${titles[r.scenario] ?? r.scenario} | ${GATEWAY_LABELS[r.target]} | ${f(r.rps, 0)}${x(r.vsApollo?.rps)} | ${f(r.p50, 2)}${overhead} | ${f(r.p99, 1)}${x(r.vsApollo?.p99)} | ${f(r.cpuMsPerRequest, 2)}${x(r.vsApollo?.cpu)} | ${f(r.subgraphCpuMsPerRequest, 1)} | ${f(r.rssMb, 0)} / ${f(r.rssMaxProcessMb, 0)} / ${f(r.peakRssMb, 0)} | ${f(r.subgraphRequestsPerOp, 2)}${r.serviceRequestsPerOp > 0 ? ` (+${f(r.serviceRequestsPerOp, 2)} svc)` : ""} | ${f(r.sqlPerOp, 1)} | ${r.non2xx} | ${check ? `${check.ok ? "ok" : "**FAIL**"}: ${check.note}` : ""} |`,
    );
  }
  return lines.join("\n");
}

/** Renders the whole report as markdown. */
export function renderReport(input: ReportInput): string {
  const out: string[] = ["# Shopgraph gateway benchmark", ""];
  out.push(...Object.entries(input.meta).map(([k, v]) => `- **${k}**: ${v}`), "");
  out.push(
    "## Targets (caching off, unique tokens, same workers, ratios within each round)",
    "",
    "| target | measured | met |",
    "|---|---|---|",
  );
  out.push(
    ...input.targets.map(
      (t) => `| ${t.target} | ${t.measured} | ${t.met === null ? "n/a" : t.met ? "yes" : "**no**"} |`,
    ),
    "",
  );
  const groups = new Map<string, SummaryRow[]>();
  for (const r of input.rows)
    groups.set(`${r.mode}|${r.workers}`, [...(groups.get(`${r.mode}|${r.workers}`) ?? []), r]);
  for (const [k, rows] of groups) {
    const [mode, workers] = k.split("|");
    const heading =
      mode === "engine"
        ? "Engine comparison, real subgraphs, caching off"
        : mode === "replay"
          ? "Replay: subgraph answers recorded once and served from memory (the gateway is the bottleneck), caching off"
          : "Caches on (products entity cache 300 s, Shopgraph in-flight dedup)";
    out.push(
      `## ${heading}: ${workers} worker process${workers === "1" ? "" : "es"} per gateway`,
      "",
      table(rows, input.scenarioTitles, input.checks),
      "",
    );
  }
  out.push("## Subgraph work per operation (each sent once, alone, through the Shopgraph gateway)", "", input.work, "");
  if (input.soak) {
    const s = input.soak;
    out.push(
      "## Soak (Shopgraph gateway, heavy query, 1 worker)",
      "",
      `${s.seconds} s, ${s.load.requests} requests (${f(s.load.rps, 0)} RPS, p99 ${f(s.load.p99, 1)} ms, non-2xx ${s.load.non2xx}). ` +
        `Heap retained after a forced full GC: ${s.retainedHeap.map(([t, mb]) => `${f(mb, 1)} MB at ${t.toFixed(0)} s`).join(", ")} (${s.retainedGrowthMb >= 0 ? "+" : ""}${f(s.retainedGrowthMb, 1)} MB): **${s.stable ? "no growth" : "GROWING"}**. ` +
        `RSS median first third ${f(s.firstThirdMb, 0)} MB → last third ${f(s.lastThirdMb, 0)} MB (${f(s.growthPercent, 1)}%), slope over the second half ${f(s.slopeMbPerMinute, 2)} MB/min (RSS also grows while V8 enlarges its heap).`,
      "",
      `RSS samples (s → MB): ${s.samples.map(([t, mb]) => `${t.toFixed(0)}→${mb.toFixed(0)}`).join(", ")}`,
      "",
    );
  }
  if (input.profile) out.push(input.profile, "");
  out.push("## Method and caveats", "", ...input.notes.map((n) => `- ${n}`), "");
  return out.join("\n");
}
