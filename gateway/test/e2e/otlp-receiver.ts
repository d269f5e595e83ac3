import { Worker } from "node:worker_threads";

/** A span as received over OTLP/HTTP JSON, flattened for assertions. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  service: string;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
  events: { name: string; attributes: Record<string, unknown> }[];
  links: { traceId: string; spanId: string }[];
}

// The receiver runs in a worker thread: the SDK instruments node:http in this thread, and its own
// export requests must not be traced back into the receiver (one span per export, forever).
const WORKER = `
const { createServer } = require("node:http");
const { parentPort } = require("node:worker_threads");
const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    if (req.method === "POST" && req.url === "/v1/traces") parentPort.postMessage({ kind: "traces", body: Buffer.concat(chunks).toString("utf8"), type: req.headers["content-type"] ?? "" });
    res.writeHead(200, { "content-type": "application/json" });
    res.end("{}");
  });
});
server.listen(0, "127.0.0.1", () => parentPort.postMessage({ kind: "listening", port: server.address().port }));
parentPort.on("message", (m) => { if (m === "close") server.close(() => process.exit(0)); });
`;

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
};
type KeyValue = { key: string; value: AnyValue };

const value = (v: AnyValue): unknown =>
  v.stringValue ??
  (v.intValue !== undefined ? Number(v.intValue) : undefined) ??
  v.boolValue ??
  v.doubleValue ??
  (v.arrayValue ? (v.arrayValue.values ?? []).map(value) : undefined);
const attributes = (list: KeyValue[] | undefined) =>
  Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
// OTLP/JSON carries ids as hex; tolerate base64 (protobuf-style JSON) too.
const id = (raw: string | undefined) =>
  !raw ? "" : /^[0-9a-f]+$/i.test(raw) ? raw.toLowerCase() : Buffer.from(raw, "base64").toString("hex");

/** Flattens one OTLP ExportTraceServiceRequest (JSON). */
export function parseOtlpJson(body: string): ReceivedSpan[] {
  const request = JSON.parse(body) as {
    resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[];
  };
  return (request.resourceSpans ?? []).flatMap((rs) => {
    const service = String(attributes(rs.resource?.attributes)["service.name"] ?? "");
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s): ReceivedSpan => ({
        traceId: id(s.traceId as string),
        spanId: id(s.spanId as string),
        parentSpanId: id(s.parentSpanId as string | undefined),
        name: String(s.name),
        kind: Number(s.kind ?? 0),
        service,
        attributes: attributes(s.attributes as KeyValue[]),
        status: s.status ?? {},
        events: ((s.events ?? []) as { name: string; attributes?: KeyValue[] }[]).map((e) => ({
          name: e.name,
          attributes: attributes(e.attributes),
        })),
        links: ((s.links ?? []) as { traceId: string; spanId: string }[]).map((l) => ({
          traceId: id(l.traceId),
          spanId: id(l.spanId),
        })),
      })),
    );
  });
}

/** A local OTLP/HTTP receiver on an ephemeral port: what a collector would get from the SDK. */
export async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const nonJson: string[] = [];
  const worker = new Worker(WORKER, { eval: true });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", (m: { kind: string; port?: number; body?: string; type?: string }) => {
      if (m.kind === "listening") resolve(m.port!);
      else if (m.type?.includes("json")) spans.push(...parseOtlpJson(m.body ?? "{}"));
      else nonJson.push(m.type ?? "");
    });
  });
  return {
    /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (the SDK appends /v1/traces). */
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    nonJson,
    /** Waits until `predicate` holds over the received spans (the SDK exports in batches). */
    async waitFor(
      predicate: (spans: ReceivedSpan[]) => boolean,
      flush: () => Promise<void>,
      withinMs = 10_000,
    ): Promise<void> {
      const deadline = Date.now() + withinMs;
      for (;;) {
        await flush();
        if (predicate(spans)) return;
        if (Date.now() > deadline)
          throw new Error(
            `expected spans did not arrive within ${withinMs} ms; got: ${[...new Set(spans.map((s) => s.name))].join(", ")}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      worker.postMessage("close");
      await new Promise((r) => worker.once("exit", r));
    },
  };
}
