import { Socket } from "node:net";

const cache = new Map<string, Promise<boolean>>();

/** True when a TCP connection to host:port opens within the timeout (cached per process). */
export function isReachable(url: string, defaultPort: number, timeoutMs = 1_500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const key = `${hostname}:${port || defaultPort}`;
  let probe = cache.get(key);
  if (!probe) {
    probe = new Promise((resolve) => {
      const socket = new Socket();
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(timeoutMs, () => done(false));
      socket.once("error", () => done(false));
      socket.connect(Number(port || defaultPort), hostname, () => done(true));
    });
    cache.set(key, probe);
  }
  return probe;
}

/**
 * Where a real server is missing: in CI that is a failure (the suite must prove the real thing);
 * on a developer machine the suite falls back to the embedded equivalent and says so.
 */
export function requireOrFallback(what: string, url: string): void {
  if (process.env.CI === "true") throw new Error(`CI=true but ${what} is not reachable at ${url}`);
  process.stderr.write(`[testing] ${what} not reachable at ${url}: using the embedded fallback\n`);
}

/**
 * For tests of server features (CREATE DATABASE, several connections, streams): true when the
 * real server is there. Outside CI a missing server skips those tests, with a reason; in CI it
 * fails the run.
 */
export async function hasRealServer(what: string, url: string, defaultPort: number): Promise<boolean> {
  if (await isReachable(url, defaultPort)) return true;
  if (process.env.CI === "true") throw new Error(`CI=true but ${what} is not reachable at ${url}`);
  process.stderr.write(`[testing] ${what} not reachable at ${url}: skipping tests that need the real server\n`);
  return false;
}
