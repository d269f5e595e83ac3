import { Agent, request } from "node:http";
import { describe, expect, it } from "vitest";
import { pino } from "pino";
import { createHttpServer, sendJson } from "../src/index.ts";

/** One request on a keep-alive agent: status, whether the server said `connection: close`, whether the socket was reused. */
function get(agent: Agent, url: string) {
  return new Promise<{ status: number; close: boolean; reused: boolean } | Error>((resolve) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, close: res.headers.connection === "close", reused: req.reusedSocket }),
      );
    });
    req.on("error", resolve);
    req.end();
  });
}

const start = async (routes = {}, drainQuietMs?: number) => {
  const thing = {
    "GET /thing": (_req: unknown, res: Parameters<typeof sendJson>[0]) => sendJson(res, 200, { ok: true }),
  };
  const server = createHttpServer({
    logger: pino({ level: "silent" }),
    routes: { ...thing, ...routes },
    ...(drainQuietMs === undefined ? {} : { drainQuietMs }),
  });
  const { url } = await server.listen(0, "127.0.0.1");
  return { server, url };
};

describe("draining on close", () => {
  it("keeps serving an open keep-alive connection, answering connection: close and /readyz 503, then stops accepting", async () => {
    const { server, url } = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await get(agent, `${url}/thing`)).toEqual({ status: 200, close: false, reused: false });
    const closing = server.close(5_000, 1_000);
    // The same (already open) connection is served, and told to go.
    expect(await get(agent, `${url}/thing`)).toEqual({ status: 200, close: true, reused: true });
    // A probe on a new connection: not ready, still answered.
    expect(await get(new Agent(), `${url}/readyz`)).toMatchObject({ status: 503, close: true });
    await closing;
    expect(await get(new Agent(), `${url}/thing`)).toMatchObject({ message: expect.stringMatching(/ECONNREFUSED/) });
    agent.destroy();
  });

  it("ends the drain delay early once no request came for a moment, but not while requests keep coming", async () => {
    // A quiet window of 1 s: on a loaded machine the client's own pause between two requests can pass the
    // 250 ms default, and the server would rightly stop draining under it (the next request is then reset).
    const { server, url } = await start({}, 1_000);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    let stop = false;
    const load = (async () => {
      let n = 0;
      while (!stop) {
        const res = await get(agent, `${url}/thing`);
        if (res instanceof Error) throw res;
        n++;
      }
      return n;
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const startedAt = performance.now();
    const closing = server.close(5_000, 6_000);
    await new Promise((resolve) => setTimeout(resolve, 600));
    stop = true;
    expect(await load).toBeGreaterThan(5);
    await closing;
    const took = performance.now() - startedAt;
    // Served for the 600 ms of traffic, then ~1 s of quiet: well before the 6 s delay.
    expect(took).toBeGreaterThan(600 + 1_000);
    expect(took).toBeLessThan(4_500);
    agent.destroy();
  });

  it("waits for an in-flight request (up to the grace period) after it stops accepting", async () => {
    let release: () => void = () => {};
    const { server, url } = await start({
      "GET /slow": async (_req: unknown, res: Parameters<typeof sendJson>[0]) => {
        await new Promise<void>((resolve) => (release = resolve));
        sendJson(res, 200, { slow: true });
      },
    });
    const agent = new Agent({ keepAlive: true });
    const slow = get(agent, `${url}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = server.close(5_000, 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    expect(await slow).toMatchObject({ status: 200, close: false });
    await closing;
    agent.destroy();
  });
});
