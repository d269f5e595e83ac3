import type { Logger } from "@shopgraph/logger";
import { retryDelayMs } from "./backoff.ts";

/** Options for {@link createWorkLoop}. */
export interface WorkLoopOptions {
  /** For log lines. */
  name: string;
  /** One unit of work; resolves true when more work is waiting (the loop then runs again at once). */
  tick: (signal: AbortSignal) => Promise<boolean>;
  /** Wait when idle. */
  idleMs: number;
  /** Cap of the backoff after consecutive failing ticks. Default 30 s. */
  maxErrorBackoffMs?: number;
  logger: Logger;
}

/** A background polling loop with wake-up, error backoff and a clean stop. */
export interface WorkLoop {
  start(): void;
  /** Aborts waits, lets the running tick finish, and resolves when the loop has exited. */
  stop(): Promise<void>;
  /** Cuts the current idle wait short (new work is known to be waiting). */
  wake(): void;
  /** True from start (its owner checked the backend before starting); false after a failing tick until one succeeds. */
  readonly healthy: boolean;
}

/**
 * Runs `tick` until stopped. A failing tick (database or Redis down) is logged and retried with
 * growing, jittered pauses instead of spinning; the loop itself never dies of it.
 */
export function createWorkLoop(options: WorkLoopOptions): WorkLoop {
  const maxBackoff = options.maxErrorBackoffMs ?? 30_000;
  let controller: AbortController | null = null;
  let running: Promise<void> | null = null;
  let healthy = false;
  let woken = false;
  let interrupt: (() => void) | null = null;

  const pause = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (woken || signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        interrupt = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      interrupt = done;
    });

  async function run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      woken = false;
      let more: boolean;
      try {
        more = await options.tick(signal);
        healthy = true;
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        healthy = false;
        failures++;
        const delay = retryDelayMs(failures, { baseMs: options.idleMs, maxMs: maxBackoff });
        options.logger.error(
          { err: error, loop: options.name, retryInMs: delay },
          "background loop failed: backing off",
        );
        await pause(delay, signal);
        continue;
      }
      if (!more) await pause(options.idleMs, signal);
    }
  }

  return {
    start() {
      if (running) return;
      healthy = true;
      controller = new AbortController();
      running = run(controller.signal);
    },
    async stop() {
      controller?.abort();
      await running;
      running = null;
      healthy = false;
    },
    wake() {
      woken = true;
      interrupt?.();
    },
    get healthy() {
      return healthy;
    },
  };
}
