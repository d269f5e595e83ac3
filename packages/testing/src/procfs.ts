// Linux /proc readers for tests, benches and scripts that measure real processes (CPU, memory, trees).
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/** What /proc/<pid>/stat says about a process (or a thread: /proc/<pid>/task/<tid>/stat). */
export interface ProcStat {
  /** One-letter state: R, S, D, Z (zombie), T (stopped)… */
  state: string;
  ppid: number;
  /** user + system CPU so far, in ms (resolution: one clock tick, 10 ms). */
  cpuMs: number;
  /** user + system CPU of children it already reaped (cutime + cstime), in ms. */
  reapedChildrenCpuMs: number;
}

/** Parses a stat line; the command name (field 2) may hold spaces and ")", so fields count from its last ")". */
export function parseStat(stat: string): ProcStat {
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ms = (ticks: string | undefined) => (Number(ticks) * 1000) / USER_HZ;
  return {
    state: rest[0] ?? "",
    ppid: Number(rest[1]),
    cpuMs: ms(rest[11]) + ms(rest[12]),
    reapedChildrenCpuMs: ms(rest[13]) + ms(rest[14]),
  };
}

/** Reads a /proc file, or undefined when the process is gone (or the file is unreadable). */
export function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** The stat of a process, `self`, or one thread (`<pid>/task/<tid>`); undefined once it is gone. */
export function procStat(pid: number | string): ProcStat | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : parseStat(stat);
}

/** Reads a "Name:   123 kB" field of /proc/<pid>/status or smaps_rollup, in bytes (0 if absent). */
export function parseKbField(text: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Resident set (VmRSS) and its peak since start (VmHWM) of a process, in bytes; undefined once it is gone. */
export function residentBytes(pid: number): { rssBytes: number; peakRssBytes: number } | undefined {
  const status = readProc(`/proc/${pid}/status`);
  if (status === undefined) return undefined;
  return { rssBytes: parseKbField(status, "VmRSS"), peakRssBytes: parseKbField(status, "VmHWM") };
}

/** Every process on the machine with its stat (processes that end meanwhile are skipped). */
export function listProcesses(): (ProcStat & { pid: number })[] {
  const out: (ProcStat & { pid: number })[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(entry);
    if (stat) out.push({ pid: Number(entry), ...stat });
  }
  return out;
}

/**
 * `root` and all its descendants, found by parent pid over the whole process list (a child of any
 * thread counts; parents may have higher pids than children after pid wrap-around).
 */
export function descendantsOf(root: number, all = listProcesses()): number[] {
  const inTree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const { pid, ppid } of all) {
      if (!inTree.has(pid) && inTree.has(ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  return [...inTree];
}

/**
 * `root` and its descendants through /proc/<pid>/task/<pid>/children: cheap enough for a sampler
 * running several times a second, but only children of each process's main thread (Node's).
 */
export function mainThreadTree(root: number): number[] {
  const all = [root];
  for (let i = 0; i < all.length; i++) {
    const children = readProc(`/proc/${all[i]}/task/${all[i]}/children`) ?? "";
    all.push(...children.trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return all;
}
