import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { procStat, signalTree } from "@shopgraph/testing";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

// Whatever happens to the test, the processes it started must not outlive it.
const live = new Set<number>();
process.once("exit", () => {
  for (const pid of live) signalTree(pid, "SIGKILL");
});

/** One Shopgraph process (gateway or a subgraph) started the way production starts it. */
export interface ServiceProcess {
  readonly pid: number;
  readonly url: string;
  /** ms from spawn to the first 200 on /readyz. */
  readonly startToReadyMs: number;
  /** performance.now() when /readyz first answered 200. */
  readonly readyAt: number;
  /** CPU time (user + system) the process had used when it was ready: start-up work, whatever the machine's load. */
  readonly cpuMsAtReady: number;
  /** Everything it wrote (JSON log lines). */
  output(): string;
  signal(signal: NodeJS.Signals): void;
  /** Resolves with the exit code (or signal name) once it has ended. */
  exited: Promise<number | string>;
}

/** Polls `url` until it answers 200; resolves with performance.now() at that moment. */
export async function waitFor200(url: string, timeoutMs: number, everyMs = 10): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(1_000) })
      .then(async (res) => (await res.arrayBuffer(), res.status === 200))
      .catch(() => false);
    if (ok) return performance.now();
    if (performance.now() > deadline) throw new Error(`${url} not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * Spawns `node --import ./packages/telemetry/src/register.ts <entry>` (as `pnpm start` and the
 * Dockerfile do) with `env` on a known port and waits for its /readyz. Killed at test exit.
 */
export async function startServiceProcess(
  entry: string,
  port: number,
  env: Record<string, string>,
  readyTimeoutMs = 30_000,
) {
  const startedAt = performance.now();
  const child: ChildProcess = spawn(process.execPath, ["--import", "./packages/telemetry/src/register.ts", entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      APOLLO_TELEMETRY_DISABLED: "true",
      OTEL_SDK_DISABLED: "true",
      LOG_LEVEL: "info",
      // Metrics on an ephemeral port: the fixed defaults (9400-9404) would clash between processes.
      METRICS_PORT: "0",
      ...env,
      PORT: String(port),
      HOST: "127.0.0.1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid!;
  live.add(pid);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      live.delete(pid);
      resolve(signal ?? code ?? -1);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  let readyAt: number;
  try {
    readyAt = await Promise.race([
      waitFor200(`${url}/readyz`, readyTimeoutMs),
      exited.then((code) => {
        throw new Error(`${entry} exited (${code}) before it was ready:\n${output.slice(-3000)}`);
      }),
    ]);
  } catch (error) {
    // Never ready: the caller gets no handle to stop it, and vitest ends its worker without the exit
    // hook above (a products subgraph outlived a failed lifecycle test by two hours). Stop it here.
    signalTree(pid, "SIGKILL");
    await exited;
    throw error;
  }
  const cpuMsAtReady = procStat(pid)?.cpuMs ?? 0;
  const service: ServiceProcess = {
    pid,
    url,
    readyAt,
    exited,
    cpuMsAtReady,
    startToReadyMs: readyAt - startedAt,
    output: () => output,
    signal: (signal) => signalTree(pid, signal),
  };
  return service;
}

/** SIGKILLs a service process and waits until it has gone. */
export async function killServiceProcess(service: ServiceProcess): Promise<void> {
  service.signal("SIGKILL");
  await service.exited;
}
