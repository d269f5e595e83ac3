import { readdirSync } from "node:fs";
import { mainThreadTree, procStat, readProc, residentBytes } from "@shopgraph/testing/procfs";

/**
 * CPU and memory of a process tree read from /proc (Linux), so every gateway is measured the
 * same way whatever it is built on: a cluster primary plus its workers count as one gateway.
 */

/** One process tree at one moment. */
export interface TreeSample {
  /** user + system CPU of every process in the tree, in ms. */
  cpuMs: number;
  /** Resident set of each process, in MB (root first). */
  rssMb: number[];
  /** Peak resident set (VmHWM) of each process, in MB. */
  peakRssMb: number[];
}

/** The pid and all its descendants (children of main threads: the bench's processes are Node's). */
export const processTree = mainThreadTree;

/** Samples a process tree; processes that vanish mid-read are skipped. */
export function sampleTree(pid: number): TreeSample {
  const sample: TreeSample = { cpuMs: 0, rssMb: [], peakRssMb: [] };
  for (const p of processTree(pid)) {
    const stat = procStat(p);
    const memory = residentBytes(p);
    if (!stat || !memory) continue; // exited between listing and reading
    sample.cpuMs += stat.cpuMs;
    sample.rssMb.push(memory.rssBytes / 2 ** 20);
    sample.peakRssMb.push(memory.peakRssBytes / 2 ** 20);
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
  // The name first: only the matching processes' stat is read.
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || readProc(`/proc/${entry}/comm`)?.trim() !== comm) continue;
    const stat = procStat(entry);
    if (stat) total += stat.cpuMs + stat.reapedChildrenCpuMs;
  }
  return total;
}
