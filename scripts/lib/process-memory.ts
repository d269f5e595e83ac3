// Memory of a process tree, read from /proc (Linux): what `pnpm measure:start` reports.
import { readdirSync, readFileSync } from "node:fs";

/** One process's memory: RSS counts shared pages in full, PSS splits them among the sharers. */
export interface ProcessMemory {
  pid: number;
  ppid: number;
  /** The command line, space-joined. */
  command: string;
  rssBytes: number;
  /** Proportional set size; 0 when smaps_rollup cannot be read. */
  pssBytes: number;
  /** CPU time used so far (user + system), independent of how busy the machine is. */
  cpuSeconds: number;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/** Parses the parent pid and CPU seconds (user + system) from /proc/<pid>/stat (comm may contain spaces and ")"). */
export function parseStat(stat: string): { ppid: number; cpuSeconds: number } {
  // Format: "pid (comm) state ppid … utime(14) stime(15) …"; comm ends at the LAST ")".
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { ppid: Number(rest[1]), cpuSeconds: (Number(rest[11]) + Number(rest[12])) / USER_HZ };
}

/** Reads a "Name:   123 kB" field of /proc/<pid>/status or smaps_rollup, in bytes (0 if absent). */
export function parseKbField(text: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Reads a /proc file, or undefined when the process is gone (or it is unreadable). */
function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Every process currently on the machine with its parent pid. */
function listProcesses(): { pid: number; ppid: number; cpuSeconds: number }[] {
  const out: { pid: number; ppid: number; cpuSeconds: number }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(`/proc/${entry}/stat`);
    if (stat) out.push({ pid: Number(entry), ...parseStat(stat) });
  }
  return out;
}

/**
 * `root` and all its descendants with their memory (processes that exit meanwhile are skipped).
 * `pss: false` leaves pssBytes 0: smaps_rollup walks every mapping of a process under its memory
 * lock (~20 ms of system time for a subgraph), too dear for a sampler that runs 5 times a second.
 */
export function processTreeMemory(root: number, { pss = true }: { pss?: boolean } = {}): ProcessMemory[] {
  const all = listProcesses();
  const inTree = new Set([root]);
  // Parents can have higher pids than children after pid wrap-around: iterate to a fixed point.
  for (let grew = true; grew;) {
    grew = false;
    for (const { pid, ppid } of all) {
      if (!inTree.has(pid) && inTree.has(ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  const result: ProcessMemory[] = [];
  for (const { pid, ppid, cpuSeconds } of all) {
    if (!inTree.has(pid)) continue;
    const status = readProc(`/proc/${pid}/status`);
    if (!status) continue;
    const command = (readProc(`/proc/${pid}/cmdline`) ?? "").split("\0").filter(Boolean).join(" ");
    const rollup = pss ? (readProc(`/proc/${pid}/smaps_rollup`) ?? "") : "";
    result.push({
      pid,
      ppid,
      command,
      rssBytes: parseKbField(status, "VmRSS"),
      pssBytes: parseKbField(rollup, "Pss"),
      cpuSeconds,
    });
  }
  return result;
}

/** Bytes as MiB with one decimal, e.g. "512.3 MiB". */
export function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
