import { createServer } from "node:net";

/**
 * A loopback port that was free a moment ago, for a server whose address must be known before it
 * starts (another process is told where to reach it). Prefer listening on port 0 where possible.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}
