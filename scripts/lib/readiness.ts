// Start-up checks of the supervisor: ports free before starting, /readyz polled after.
import { createServer } from "node:net";
import { sleep } from "@shopgraph/util";

/** Options of {@link waitForReady}. */
export interface WaitForReadyOptions {
  /** Give up after this long (ms). */
  timeoutMs: number;
  /** Pause between polls (ms). */
  intervalMs?: number;
  /** Each poll's own time limit (ms), so a hung server cannot stall the loop. */
  requestTimeoutMs?: number;
  /** Aborts the wait early, e.g. when the process exits or the supervisor shuts down. */
  signal?: AbortSignal;
}

/** Why {@link waitForReady} stopped; `lastResult` describes the last poll for error messages. */
export type ReadyResult = { ready: true } | { ready: false; reason: "timeout" | "aborted"; lastResult: string };

/** Polls `url` until it answers 200 (ready), the timeout passes or `signal` aborts. */
export async function waitForReady(url: string, options: WaitForReadyOptions): Promise<ReadyResult> {
  const { timeoutMs, intervalMs = 250, requestTimeoutMs = 2_000, signal } = options;
  const deadline = Date.now() + timeoutMs;
  let lastResult = "no answer yet";
  while (!signal?.aborted) {
    try {
      const timeout = AbortSignal.timeout(Math.max(1, Math.min(requestTimeoutMs, deadline - Date.now())));
      const response = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      // Drain the body so the keep-alive socket is released between polls.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status === 200) return { ready: true };
      lastResult = `HTTP ${response.status}`;
    } catch (error) {
      // A poll cut short by the overall deadline says nothing new; keep the previous answer.
      const cutByDeadline = error instanceof Error && error.name === "TimeoutError" && Date.now() >= deadline;
      if (!cutByDeadline || lastResult === "no answer yet") lastResult = describeFetchError(error);
    }
    if (signal?.aborted) break;
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { ready: false, reason: "timeout", lastResult };
    await sleep(Math.min(intervalMs, remaining), signal);
  }
  return { ready: false, reason: "aborted", lastResult };
}

/** A short cause of a failed fetch ("ECONNREFUSED" rather than "fetch failed"). */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === "TimeoutError") return "no answer within the poll timeout";
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? error.message;
}

/** Whether nothing listens on `port` at `host` (tried by binding it for a moment). */
export function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The ports among `ports` that are already taken at `host`. */
export async function findBusyPorts(ports: readonly number[], host: string): Promise<number[]> {
  const free = await Promise.all(ports.map((port) => isPortFree(port, host)));
  return ports.filter((_, i) => !free[i]);
}
