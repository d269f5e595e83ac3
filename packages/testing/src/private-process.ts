import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { sleep } from "@shopgraph/util";

// Fault tests stop, freeze and kill servers. Whatever happens to the test (a failed assertion, a
// thrown hook, vitest ending the worker), those servers must not outlive it: every private server
// registers here and is killed synchronously when the process exits.
const livePids = new Set<number>();
const liveDirs = new Set<string>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once("exit", () => {
    for (const pid of livePids) signalTree(pid, "SIGKILL");
    for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  });
}

/** Remembers a server process to kill at exit (until {@link forgetPid}). */
export function trackPid(pid: number): void {
  hookExit();
  livePids.add(pid);
}

/** The server ended by itself or was stopped cleanly. */
export function forgetPid(pid: number): void {
  livePids.delete(pid);
}

/** Remembers a temporary directory to remove at exit. */
export function trackDir(dir: string): void {
  hookExit();
  liveDirs.add(dir);
}

/** The directory was removed already. */
export function forgetDir(dir: string): void {
  liveDirs.delete(dir);
}

/** The direct children of a process, from /proc (Linux): PostgreSQL's backends belong to its postmaster. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent pid; the command name (field 2) may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

/**
 * Sends a signal to a process and all its descendants (SIGSTOP freezes a whole PostgreSQL, not
 * only its postmaster). Descendants are listed before the signal so a SIGKILL cannot orphan them.
 */
export function signalTree(pid: number, signal: NodeJS.Signals): void {
  const all: number[] = [];
  const walk = (p: number) => {
    all.push(p);
    for (const child of childrenOf(p)) walk(child);
  };
  walk(pid);
  for (const p of all) {
    try {
      process.kill(p, signal);
    } catch {
      // Already gone.
    }
  }
}

/** True while the process exists (a stopped process exists too). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until the process has gone; throws after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && !isZombie(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} did not exit within ${timeoutMs} ms`);
    await sleep(20);
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

/** The uid and gid of a system user, or undefined when it does not exist. */
export function systemUser(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}
