import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { sleep } from "@shopgraph/util";
import { descendantsOf, procStat } from "./procfs.ts";

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

/**
 * Sends a signal to a process and all its descendants (SIGSTOP freezes a whole PostgreSQL, not
 * only its postmaster). Descendants are listed before the signal so a SIGKILL cannot orphan them.
 */
export function signalTree(pid: number, signal: NodeJS.Signals): void {
  // PostgreSQL's backends belong to its postmaster: the whole tree, by parent pid.
  for (const p of descendantsOf(pid)) {
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
  return (procStat(pid)?.state ?? "Z") === "Z";
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
