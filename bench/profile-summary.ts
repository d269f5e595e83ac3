/**
 * Reads a V8 .cpuprofile (`node --cpu-prof`) and prints the functions with the most self time,
 * and the same time grouped by package:
 *
 *   node bench/profile-summary.ts <file.cpuprofile> [--top 20]
 *
 * Self time is summed from the sample time deltas (exact), not hit count × nominal interval;
 * idle time and the inspector's own frames are left out of the busy total.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One line of the summary. */
export interface ProfileRow {
  name: string;
  where: string;
  selfMs: number;
  /** Share of the busy time (idle excluded). */
  percent: number;
}

/** Where a script URL lives: a package name, a repo path, or a V8 pseudo-frame. */
function locate(url: string): string {
  if (!url) return "(native/V8)";
  const path = url.replace(/^file:\/\//, "");
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(path);
  if (pkg) return pkg[1]!;
  if (path.startsWith("node:")) return path;
  const repo = /\/(gateway|packages|subgraphs|bench)\/(.*)$/.exec(path);
  return repo ? `${repo[1]}/${repo[2]}` : path;
}

/** Top functions by self time and self time per package, from one profile file. */
export function summarizeProfile(
  file: string,
  top = 20,
): { busyMs: number; idleMs: number; functions: ProfileRow[]; packages: ProfileRow[] } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, ProfileRow>();
  const packages = new Map<string, ProfileRow>();
  let idleMs = 0;
  let busyMs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const ms = us / 1000;
    // The inspector's own frames (Profiler.stop building the profile) are the tool, not the load.
    if (frame.functionName === "(idle)" || frame.url === "node:inspector") {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    const where = locate(frame.url);
    const name = frame.functionName || "(anonymous)";
    const fnKey = `${name}|${frame.url}|${frame.lineNumber}`;
    const fn = functions.get(fnKey) ?? {
      name,
      where: frame.url ? `${where}:${frame.lineNumber + 1}` : where,
      selfMs: 0,
      percent: 0,
    };
    fn.selfMs += ms;
    functions.set(fnKey, fn);
    const group = frame.url ? where : name;
    const pkg = packages.get(group) ?? { name: group, where: "", selfMs: 0, percent: 0 };
    pkg.selfMs += ms;
    packages.set(group, pkg);
  }
  const ranked = (rows: Iterable<ProfileRow>) =>
    [...rows]
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top)
      .map((r) => ({ ...r, percent: (100 * r.selfMs) / busyMs }));
  return { busyMs, idleMs, functions: ranked(functions.values()), packages: ranked(packages.values()) };
}

/** The summary as markdown tables. */
export function profileMarkdown(summary: ReturnType<typeof summarizeProfile>): string {
  const fmt = (rows: ProfileRow[], withWhere: boolean) =>
    rows
      .map(
        (r, i) =>
          `| ${i + 1} | \`${r.name}\` |${withWhere ? ` ${r.where} |` : ""} ${r.selfMs.toFixed(0)} | ${r.percent.toFixed(1)}% |`,
      )
      .join("\n");
  return [
    `Busy ${summary.busyMs.toFixed(0)} ms, idle ${summary.idleMs.toFixed(0)} ms.`,
    "",
    "| # | function | where | self ms | % of busy |",
    "|---|---|---|---:|---:|",
    fmt(summary.functions, true),
    "",
    "| # | package / area | self ms | % of busy |",
    "|---|---|---:|---:|",
    fmt(summary.packages, false),
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "20" } },
  });
  if (!positionals[0]) {
    process.stderr.write("usage: node bench/profile-summary.ts <file.cpuprofile> [--top 20]\n");
    process.exit(2);
  }
  process.stdout.write(`${profileMarkdown(summarizeProfile(positionals[0], Number(values.top)))}\n`);
}
