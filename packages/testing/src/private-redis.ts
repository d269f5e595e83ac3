import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "./free-port.ts";
import { forgetPid, signalTree, trackPid, waitForExit } from "./private-process.ts";

/** A redis-server owned by one test file, which it may stop, freeze and restart empty. */
export interface PrivateRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`: stays the same across restarts. */
  readonly url: string;
  /** True while a redis-server process runs (frozen or not). */
  readonly running: boolean;
  /** Stops the server (SIGTERM; no persistence, so its data is gone). */
  stop(): Promise<void>;
  /** Starts it again on the same port: empty. */
  start(): Promise<void>;
  /** stop() then start(): Redis comes back with no keys, streams or consumer groups. */
  restartEmpty(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing is answered, like a hung host. */
  freeze(): void;
  /** SIGCONT after {@link freeze}. */
  thaw(): void;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
  /** Stops it for good. Idempotent. */
  close(): Promise<void>;
}

/** Options for {@link startPrivateRedis}. */
export interface PrivateRedisOptions {
  /** redis-server binary (default `redis-server` from PATH, or TEST_REDIS_SERVER). */
  binary?: string;
  /** How long to wait for "Ready to accept connections" (default 10 s). */
  startTimeoutMs?: number;
}

/**
 * Starts a private `redis-server` on a free loopback port with persistence off, so a restart is a
 * restart empty. Never the shared server: fault tests stop and freeze what they start.
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const binary = options.binary ?? process.env.TEST_REDIS_SERVER ?? "redis-server";
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const port = await freePort();
  let child: ChildProcess | undefined;
  let frozen = false;

  async function start(): Promise<void> {
    if (child) throw new Error("private redis is already running");
    // "notice" is the lowest level that still prints the ready line this waits for.
    const args = [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--loglevel",
      "notice",
    ];
    const proc = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    trackPid(proc.pid!);
    await new Promise<void>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(
        () => fail(new Error(`redis-server did not start within ${startTimeoutMs} ms:\n${output}`)),
        startTimeoutMs,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        proc.kill("SIGKILL");
        reject(error);
      };
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          proc.stdout.off("data", onData);
          proc.stdout.resume();
          resolve();
        }
      };
      proc.stdout.on("data", onData);
      proc.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      proc.once("error", fail);
      proc.once("exit", (code, signal) =>
        fail(new Error(`redis-server exited (${signal ?? code}) before it was ready:\n${output}`)),
      );
    });
    proc.removeAllListeners("exit");
    proc.once("exit", () => {
      forgetPid(proc.pid!);
      if (child === proc) child = undefined;
    });
  }

  async function end(signal: NodeJS.Signals): Promise<void> {
    const proc = child;
    if (!proc) return;
    // A frozen process cannot act on SIGTERM: let it run again first.
    if (frozen && signal !== "SIGKILL") signalTree(proc.pid!, "SIGCONT");
    frozen = false;
    proc.kill(signal);
    await waitForExit(proc.pid!, 10_000);
    forgetPid(proc.pid!);
    if (child === proc) child = undefined;
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return child !== undefined;
    },
    stop: () => end("SIGTERM"),
    start,
    async restartEmpty() {
      await end("SIGTERM");
      await start();
    },
    freeze() {
      if (!child) throw new Error("private redis is not running");
      child.kill("SIGSTOP");
      frozen = true;
    },
    thaw() {
      if (!child) throw new Error("private redis is not running");
      child.kill("SIGCONT");
      frozen = false;
    },
    kill: () => end("SIGKILL"),
    close: () => end("SIGTERM"),
  };
}
