// `pnpm start`: the whole stack on one machine, no Docker. Starts the four subgraphs and the gateway
// together and waits for each to answer /readyz: none needs another to start (the gateway reads the
// committed supergraph; JWKS is fetched on first use; readers of users' revocation feed retry it
// quietly until users answers; the first embedded database of a fresh DATA_DIR runs the one initdb
// the others copy). Prefixes every output line with its process; stops everything together on
// Ctrl-C or when one process dies.
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { formatBanner, seedProblem } from "./lib/banner.ts";
import { createLineSplitter, createLogTail, prefixLine, stripAnsi } from "./lib/output.ts";
import type { LogTail } from "./lib/output.ts";
import { buildStartPlan } from "./lib/processes.ts";
import type { ProcessSpec, StartPlan } from "./lib/processes.ts";
import { findBusyPorts, waitForReady } from "./lib/readiness.ts";
import { acquireStartLock, checkoutServiceToken } from "./lib/checkout-state.ts";

const ROOT = resolve(import.meta.dirname, "..");
// All five start at once and share the machine: a cold start (initdb, migrations, seeding) took
// 84-92 s at load average 26 on 2 cores, so 90 s refused working stacks on a busy machine.
const READY_TIMEOUT_MS = 180_000;
// Past a child's own drain (SHUTDOWN_DRAIN_DELAY_MS 1 s + SHUTDOWN_GRACE_MS 10 s), plus the exit of a
// first run, when Node writes the new compile cache (seconds on a busy machine; data is closed by then).
const KILL_AFTER_MS = 20_000;
const TAIL_LINES = 25;
const SELF = "shopgraph";
const GATEWAY_CONFIG_CHECK = "scripts/check-gateway-config.ts";

interface Child {
  spec: ProcessSpec;
  process: ChildProcess;
  tail: LogTail;
  /** Aborts this child's readiness wait (it exited, or everything is stopping). */
  readiness: AbortController;
  isReady: boolean;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  exited: Promise<void>;
}

const startedAt = performance.now();
const useColor = process.env.FORCE_COLOR
  ? process.env.FORCE_COLOR !== "0"
  : Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined;
const children: Child[] = [];
let stopping = false;

// `pnpm start | head` closes our stdout early; that must not crash the supervisor mid-shutdown.
process.stdout.on("error", () => undefined);

/** Prints one supervisor line in the same column layout as the children. */
function say(message: string): void {
  for (const line of message.split("\n")) process.stdout.write(`${prefixLine(SELF, line, useColor)}\n`);
}

/** Sends `signal` to a child's whole process group (it is a group leader: spawned detached). */
function signalChild(child: Child, signal: NodeJS.Signals): void {
  if (child.exit || child.process.pid === undefined) return;
  try {
    process.kill(-child.process.pid, signal);
  } catch {
    child.process.kill(signal);
  }
}

/** Describes how a child ended, e.g. "exited with code 1" or "was killed by SIGKILL". */
function describeExit(exit: NonNullable<Child["exit"]>): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** The child's last output lines, indented, for error reports. */
function formatTail(child: Child): string {
  const lines = child.tail.lines();
  if (lines.length === 0) return "  (it printed nothing)";
  return lines.map((line) => `  ${stripAnsi(line)}`).join("\n");
}

/** Stops every child (SIGTERM, SIGKILL after 20 s) and exits with `code` once all have exited. */
async function shutdown(code: number, reason: string): Promise<never> {
  if (stopping) return new Promise<never>(() => undefined);
  stopping = true;
  process.exitCode = code;
  say(reason);
  for (const child of children) child.readiness.abort();
  const running = children.filter((c) => !c.exit);
  if (running.length > 0) say(`stopping ${running.map((c) => c.spec.name).join(", ")}…`);
  for (const child of running) signalChild(child, "SIGTERM");
  const killTimer = setTimeout(() => {
    const stuck = children.filter((c) => !c.exit);
    say(
      `still running after ${KILL_AFTER_MS / 1000} s, sending SIGKILL to ${stuck.map((c) => c.spec.name).join(", ")}`,
    );
    for (const child of stuck) signalChild(child, "SIGKILL");
  }, KILL_AFTER_MS);
  await Promise.all(children.map((c) => c.exited));
  clearTimeout(killTimer);
  say("all processes stopped");
  process.exit(code);
}

/** Spawns `node <entry>` for a spec, streaming its prefixed output and watching its exit. */
function startChild(spec: ProcessSpec): Child {
  // detached: its own process group, so Ctrl-C reaches only the supervisor, which then stops
  // the children in one controlled way (one SIGTERM each) instead of racing the terminal's SIGINT.
  const proc = spawn(process.execPath, spec.args, {
    cwd: ROOT,
    env: spec.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const tail = createLogTail(TAIL_LINES);
  const onLine = (line: string) => {
    tail.add(line);
    process.stdout.write(`${prefixLine(spec.name, line, useColor)}\n`);
  };
  const splitters = [proc.stdout, proc.stderr].map((stream) => {
    const splitter = createLineSplitter(onLine);
    stream.on("data", (chunk: Buffer) => splitter.push(chunk));
    return { stream, splitter };
  });
  const child: Child = {
    spec,
    process: proc,
    tail,
    readiness: new AbortController(),
    isReady: false,
    exit: undefined,
    exited: Promise.resolve(),
  };
  child.exited = new Promise<void>((resolveExit) => {
    // "close", not "exit": the pipes are drained by then, so the last lines are in the tail.
    proc.once("close", (code, signal) => {
      for (const { splitter } of splitters) splitter.flush();
      child.exit = { code, signal };
      child.readiness.abort();
      resolveExit();
      if (stopping) {
        say(`${spec.name} ${describeExit(child.exit)}`);
        return;
      }
      const when = child.isReady ? "unexpectedly" : "before it was ready";
      void shutdown(1, `${spec.name} ${describeExit(child.exit)} ${when}; last lines:\n${formatTail(child)}`);
    });
    proc.once("error", (error) => {
      if (!stopping) void shutdown(1, `cannot start ${spec.name}: ${error.message}`);
    });
  });
  children.push(child);
  say(`starting ${spec.name} (node ${spec.entry}, port ${spec.port})`);
  return child;
}

/** Starts the specs together and resolves once each answers /readyz; stops everything otherwise. */
async function startReady(specs: readonly ProcessSpec[]): Promise<void> {
  const started = specs.map(startChild);
  await Promise.all(
    started.map(async (child) => {
      const result = await waitForReady(child.spec.readyUrl, {
        timeoutMs: READY_TIMEOUT_MS,
        signal: child.readiness.signal,
      });
      if (result.ready) {
        child.isReady = true;
        say(`${child.spec.name} is ready (${((performance.now() - startedAt) / 1000).toFixed(1)} s)`);
        return;
      }
      // An abort means the child exited or a sibling failed: that path reports it already.
      if (result.reason === "timeout") {
        await shutdown(
          1,
          `${child.spec.name} was not ready within ${READY_TIMEOUT_MS / 1000} s (${child.spec.readyUrl}: ${result.lastResult}); last lines:\n${formatTail(child)}`,
        );
      }
    }),
  );
  // A failure elsewhere may have begun the shutdown while these were still starting.
  if (stopping) await new Promise<never>(() => undefined);
}

/** Fails early, before the slow subgraph start, on what would only break at the end. */
async function preflight(plan: StartPlan): Promise<string[]> {
  const problems: string[] = [];
  const supergraph = process.env.SUPERGRAPH_PATH?.trim() || "schema/supergraph.graphql";
  const supergraphPath = isAbsolute(supergraph) ? supergraph : join(ROOT, supergraph);
  if (!existsSync(supergraphPath)) problems.push(`${supergraph} does not exist: run \`pnpm compose\` first`);
  for (const spec of [...plan.subgraphs, plan.gateway]) {
    if (!existsSync(join(ROOT, spec.entry))) problems.push(`${spec.entry} does not exist`);
  }
  const seed = seedProblem(process.env);
  if (seed) problems.push(seed);
  // The gateway starts after users: a bad gateway variable must not wait that long. Checked in a
  // short-lived child: importing the gateway's config (auth, zod, jose) would keep ~50 MB resident
  // in the supervisor for the whole session.
  const check = spawnSync(process.execPath, [GATEWAY_CONFIG_CHECK], {
    cwd: ROOT,
    env: plan.gateway.env,
    encoding: "utf8",
  });
  if (check.status !== 0) {
    problems.push(
      check.stderr.trim() || `gateway configuration check failed (${check.error?.message ?? `exit ${check.status}`})`,
    );
  }
  // A leftover process on a port would answer /readyz in place of the one we start.
  const listenHost = process.env.HOST?.trim() || "127.0.0.1";
  const busy = await findBusyPorts(Object.values(plan.ports), listenHost);
  for (const port of busy) {
    const name = Object.entries(plan.ports).find(([, p]) => p === port)?.[0] ?? "?";
    problems.push(
      `port ${port} (${name}) is in use on ${listenHost}: stop what runs there or set ${name.toUpperCase()}_PORT`,
    );
  }
  return problems;
}

/** Runs the stack until a signal or a failure. */
async function main(): Promise<void> {
  // .env is for local settings; variables already in the environment win (loadEnvFile keeps them).
  const envFile = join(ROOT, ".env");
  if (existsSync(envFile)) {
    process.loadEnvFile(envFile);
    say("loaded .env");
  }
  const dataDir = resolve(ROOT, process.env.DATA_DIR?.trim() || ".data");
  let plan: StartPlan;
  try {
    const releaseLock = acquireStartLock(dataDir);
    process.on("exit", releaseLock);
    const serviceToken = checkoutServiceToken(dataDir);
    plan = buildStartPlan(process.env, {
      forceColor: useColor,
      serviceToken,
      compileCacheDir: join(dataDir, "compile-cache"),
    });
  } catch (error) {
    say(`cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
  const problems = await preflight(plan);
  if (problems.length > 0) {
    say(`cannot start:\n  - ${problems.join("\n  - ")}`);
    process.exit(1);
  }

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      void shutdown(0, `${signal} received (again to force)`);
      return;
    }
    say(`${signal} again: killing everything`);
    for (const child of children) signalChild(child, "SIGKILL");
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Last resort if the supervisor itself crashes: detached children would otherwise live on.
  process.on("exit", () => {
    for (const child of children) signalChild(child, "SIGKILL");
  });

  // Together, not users first: start-up is CPU-bound, and users alone left most of a 2-core
  // machine idle for its first seconds (see the commit that made this change for the figures).
  await startReady([...plan.subgraphs, plan.gateway]);
  process.stdout.write(
    `${formatBanner({ ports: plan.ports, elapsedMs: performance.now() - startedAt, env: process.env })}\n`,
  );
  say("Ctrl-C stops everything");
}

main().catch((error: unknown) => {
  void shutdown(1, `supervisor error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
});
