// Memory of a process tree, read from /proc (Linux): what `pnpm measure:start` reports.
import { descendantsOf, listProcesses, parseKbField, readProc } from "@shopgraph/testing/procfs";

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

/**
 * `root` and all its descendants with their memory (processes that exit meanwhile are skipped).
 * `pss: false` leaves pssBytes 0: smaps_rollup walks every mapping of a process under its memory
 * lock (~20 ms of system time for a subgraph), too dear for a sampler that runs 5 times a second.
 */
export function processTreeMemory(root: number, { pss = true }: { pss?: boolean } = {}): ProcessMemory[] {
  const all = listProcesses();
  const inTree = new Set(descendantsOf(root, all));
  const result: ProcessMemory[] = [];
  for (const { pid, ppid, cpuMs } of all) {
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
      cpuSeconds: cpuMs / 1000,
    });
  }
  return result;
}

/** Bytes as MiB with one decimal, e.g. "512.3 MiB". */
export function formatMiB(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
