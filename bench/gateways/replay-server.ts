/**
 * The replay mode's subgraphs: one trivial HTTP listener per subgraph. In "record" mode each POST
 * is forwarded to the real subgraph (headers and body as sent) and its answer stored by body; in
 * "replay" mode the stored answer is sent straight from memory, so a gateway under load is the
 * only thing doing work. Non-POST requests (health checks) are always forwarded.
 * Env: UPSTREAMS (JSON: subgraph name → real URL). IPC: {type:"mode", mode} → {type:"mode-set"};
 * {type:"stats"} → {type:"stats", stats}. Prints the listeners' URLs to IPC as {type:"ready", urls}.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { missAnswer, ReplayStore } from "../lib/replay-store.ts";

const upstreams = JSON.parse(process.env.UPSTREAMS ?? "{}") as Record<string, string>;
let mode: "record" | "replay" = "record";
const stores = new Map<string, ReplayStore>();

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function forward(
  target: URL,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: target.host };
    const out = httpRequest(target, { method: req.method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const h: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers))
          if (typeof v === "string" && !["connection", "keep-alive", "transfer-encoding", "content-length"].includes(k))
            h[k] = v;
        resolve({ status: res.statusCode ?? 502, headers: h, body: Buffer.concat(chunks) });
      });
      res.on("error", reject);
    });
    out.on("error", reject);
    out.end(body);
  });
}

function handler(name: string, upstream: URL) {
  const store = new ReplayStore();
  stores.set(name, store);
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const body = await readBody(req);
      if (req.method === "POST" && mode === "replay") {
        const answer = store.lookup(body.toString("utf8")) ?? missAnswer(name);
        res
          .writeHead(answer.status, {
            "content-type": answer.contentType,
            "content-length": Buffer.byteLength(answer.body),
          })
          .end(answer.body);
        return;
      }
      const target = new URL(req.url ?? "/", upstream);
      const answer = await forward(target, req, body);
      if (req.method === "POST")
        store.record(body.toString("utf8"), {
          status: answer.status,
          contentType: answer.headers["content-type"] ?? "application/json",
          body: answer.body.toString("utf8"),
        });
      res.writeHead(answer.status, { ...answer.headers, "content-length": answer.body.length }).end(answer.body);
    } catch (error) {
      res.writeHead(502, { "content-type": "text/plain" }).end(String(error));
    }
  };
}

const urls: Record<string, string> = {};
for (const [name, url] of Object.entries(upstreams)) {
  const upstream = new URL(url);
  const server = createServer(handler(name, upstream));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  urls[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}${upstream.pathname}`;
}

process.on("message", (message: { type?: string; mode?: "record" | "replay" }) => {
  if (message.type === "mode" && message.mode) {
    mode = message.mode;
    process.send?.({ type: "mode-set", mode });
  } else if (message.type === "stats") {
    process.send?.({
      type: "stats",
      stats: Object.fromEntries([...stores].map(([n, s]) => [n, { recorded: s.size, hits: s.hits, misses: s.misses }])),
    });
  }
});
process.send?.({ type: "ready", urls });
process.on("SIGTERM", () => process.exit(0));
