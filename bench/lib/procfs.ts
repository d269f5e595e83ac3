import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU and memory of a process tree read from /proc (Linux), so every gateway is measured the
 * same way whatever it is built on: a cluster primary plus its workers count as one gateway.
 */

/** Kernel clock ticks per second (USER_HZ); 100 on every mainstream Linux build. */
const TICKS_PER_SECOND = 100;

/** One process tree at one moment. */
export interface TreeSample {
  /** user + system CPU of every process in the tree, in ms. */
  cpuMs: number;
  /** Resident set of each process, in MB (root first). */
  rssMb: number[];
  /** Peak resident set (VmHWM) of each process, in MB. */
  peakRssMb: number[];
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The pid and all its descendants. */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) all.push(...children(all[i]!));
  return all;
}

function cpuTicks(pid: number, reapedChildren = false): number {
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15, cutime and cstime 16 and 17.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]) + (reapedChildren ? Number(fields[13]) + Number(fields[14]) : 0);
}

function statusKb(pid: number, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) : 0;
}

/** Samples a process tree; processes that vanish mid-read are skipped. */
export function sampleTree(pid: number): TreeSample {
  const sample: TreeSample = { cpuMs: 0, rssMb: [], peakRssMb: [] };
  for (const p of processTree(pid)) {
    try {
      sample.cpuMs += (cpuTicks(p) * 1000) / TICKS_PER_SECOND;
      sample.rssMb.push(statusKb(p, "VmRSS") / 1024);
      sample.peakRssMb.push(statusKb(p, "VmHWM") / 1024);
    } catch {
      // exited between listing and reading
    }
  }
  return sample;
}

/** CPU of several trees at once (e.g. all subgraph processes), in ms. */
export function cpuOf(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + sampleTree(pid).cpuMs, 0);
}

/**
 * CPU ms used so far by every process whose command name is `comm` (e.g. `postgres`,
 * `redis-server`), children they already reaped included: a PostgreSQL backend that exits hands
 * its time to the postmaster's (cutime, cstime), so the sum only grows. Shared servers the bench
 * did not start: other work on the machine shows up here too.
 */
export function cpuOfCommand(comm: string): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== comm) continue;
      total += (cpuTicks(Number(entry), true) * 1000) / TICKS_PER_SECOND;
    } catch {
      // exited between listing and reading
    }
  }
  return total;
}
