import { createServer } from "node:net";

/**
 * Ports are drawn below Linux's ephemeral range (32768–60999 by default): a port picked there can
 * be taken, before our server binds it, by the local end of any outgoing connection on the machine
 * (to PostgreSQL, Redis, another test's server), which is what made a 12-process stack fail with
 * EADDRINUSE. Ports handed out in this process are never handed out twice.
 */
const LOW = 20_000;
const HIGH = 32_767;
const handedOut = new Set<number>();

/** Whether `port` can be bound on loopback right now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * A loopback port that was free a moment ago, for a server whose address must be known before it
 * starts (another process is told where to reach it). Prefer listening on port 0 where possible.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free loopback port found between ${LOW} and ${HIGH}`);
}
