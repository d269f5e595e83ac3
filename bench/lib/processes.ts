import { freePort } from "@shopgraph/testing";
import { fork, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CREDENTIAL_HEADERS } from "./credentials.ts";

/** A child process the bench started, with its log file. */
export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  log: string;
  /** Asks for a graceful stop (SIGTERM), then kills it if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Options for {@link startChild}. */
export interface StartChildOptions {
  name: string;
  /** Entry file run by node. */
  entry: string;
  args?: string[];
  execArgv?: string[];
  env: Record<string, string>;
  logDir: string;
}

/** Forks a Node process (IPC channel open) with stdout/stderr going to `<logDir>/<name>.log`. */
export function startChild(options: StartChildOptions): Child {
  const log = join(options.logDir, `${options.name}.log`);
  const fd = openSync(log, "a");
  const child = fork(options.entry, options.args ?? [], {
    execArgv: options.execArgv ?? [],
    env: { ...process.env, ...options.env },
    stdio: ["ignore", fd, fd, "ipc"],
  });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    name: options.name,
    process: child,
    pid: child.pid ?? -1,
    log,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The last lines of a child's log, for error messages. */
export function tailLog(child: Child, lines = 20): string {
  try {
    return readFileSync(child.log, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Polls `probe` until it resolves true; fails with the child's log when the child dies or time runs out. */
export async function waitUntil(child: Child, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null)
      throw new Error(`${child.name} exited (${child.process.exitCode}):\n${tailLog(child)}`);
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${child.name} not ready after ${timeoutMs} ms:\n${tailLog(child)}`);
}

/** True when GET url answers 200. */
export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.ok;
}

/** True when a GraphQL endpoint answers `{ __typename }`. */
export async function graphqlOk(url: string): Promise<boolean> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...CREDENTIAL_HEADERS },
    body: '{"query":"{ __typename }"}',
    signal: AbortSignal.timeout(2_000),
  });
  const body = (await res.json()) as { data?: { __typename?: string } };
  return body.data?.__typename === "Query";
}

/** Ports: consecutive from a base when one is configured, otherwise ones the OS just handed out. */
export function createPortSource(base: number | undefined): () => Promise<number> {
  let next = base;
  return async () => (next !== undefined ? next++ : freePort());
}

/** Sends an IPC message to a child and resolves with its first reply of `replyType`. */
export function ask<T extends { type?: string }>(
  child: Child,
  message: { type: string; [key: string]: unknown },
  replyType: string,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.process.off("message", onMessage);
      reject(new Error(`${child.name}: no ${replyType} reply`));
    }, timeoutMs);
    const onMessage = (reply: T) => {
      if (reply?.type !== replyType) return;
      clearTimeout(timer);
      child.process.off("message", onMessage);
      resolve(reply);
    };
    child.process.on("message", onMessage);
    child.process.send(message);
  });
}

/** Subgraph counters as the probe reports them. */
export interface ProbeCounters {
  requests: number;
  serviceRequests: number;
  sql: number;
  sqlInRequest: number;
}

/** Asks a probed subgraph process for its counters over IPC. */
export async function readCounters(child: Child): Promise<ProbeCounters> {
  return (await ask<{ type: string; counters: ProbeCounters }>(child, { type: "counters" }, "counters", 5_000))
    .counters;
}
