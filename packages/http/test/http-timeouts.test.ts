// Slowloris: a client that drips its headers or its body must be cut off at the configured
// timeout (checked on the configured tick), not after Node's 30 s check interval or its 300 s request
// timeout. The limits here are small so the test waits ~1 s, not the production 10 s / 30 s; the
// server code that enforces them is the same.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { createHttpServer, readBody, sendJson, type HttpServerHandle } from "../src/index.ts";

const HEADERS_TIMEOUT_MS = 300;
const REQUEST_TIMEOUT_MS = 600;
const CHECK_INTERVAL_MS = 100;
// Node checks on its tick: a connection may live up to one tick past its deadline, plus a loaded
// machine's event-loop delay. Still far below Node's own 30 s tick and 60 s / 300 s timeouts.
const MARGIN_MS = 1_000;

let server: HttpServerHandle;
let port: number;
beforeAll(async () => {
  server = createHttpServer({
    logger: pino({ level: "silent" }),
    headersTimeoutMs: HEADERS_TIMEOUT_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    timeoutCheckIntervalMs: CHECK_INTERVAL_MS,
    routes: {
      "POST /echo": async (req, res) => sendJson(res, 200, { length: (await readBody(req, 1 << 20)).length }),
    },
  });
  ({ port } = await server.listen(0, "127.0.0.1"));
});
afterAll(() => server.close(100));

/** Opens a raw socket and resolves with it once connected; records when the server closed it and what it sent. */
async function rawSocket(): Promise<{ socket: Socket; closed: Promise<{ atMs: number; received: string }> }> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const startedAt = performance.now();
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
  socket.on("error", () => {});
  const closed = new Promise<{ atMs: number; received: string }>((resolve) =>
    socket.once("close", () => resolve({ atMs: performance.now() - startedAt, received })),
  );
  return { socket, closed };
}

/** Writes one byte of `text` every `everyMs` until the socket closes or the text runs out. */
function drip(socket: Socket, text: string, everyMs: number): () => void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) return clearInterval(timer);
    socket.write(text[i++]!);
  }, everyMs);
  return () => clearInterval(timer);
}

describe("HTTP timeouts (slowloris)", () => {
  it("closes a connection whose headers drip in, within the headers timeout", async () => {
    const { socket, closed } = await rawSocket();
    socket.write("POST /echo HTTP/1.1\r\nhost: localhost\r\n");
    // 50 ms per byte: the connection is never idle, and the headers would take ~5 s to finish.
    const stop = drip(socket, `x-slow: ${"a".repeat(100)}\r\n\r\n`, 50);
    const { atMs, received } = await closed;
    stop();
    expect(atMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(atMs).toBeLessThan(HEADERS_TIMEOUT_MS + MARGIN_MS);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it("closes a connection whose body drips in, within the request timeout", async () => {
    const { socket, closed } = await rawSocket();
    const body = JSON.stringify({ query: "{ __typename }", pad: "b".repeat(200) });
    socket.write(
      `POST /echo HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
    );
    // Headers done at once; the body then comes at 1 byte per 25 ms (~6 s in all).
    const stop = drip(socket, body, 25);
    const { atMs } = await closed;
    stop();
    expect(atMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(atMs).toBeLessThan(REQUEST_TIMEOUT_MS + MARGIN_MS);
  });

  it("still serves a client that sends promptly", async () => {
    const res = await fetch(`http://127.0.0.1:${port}/echo`, { method: "POST", body: "hello" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ length: 5 });
  });
});
