import { Agent, request } from "node:http";
import { CREDENTIAL_HEADERS } from "./credentials.ts";
import { percentile } from "./summary.ts";

/** One request as the open-loop generator sends it (POST, JSON). */
export interface OpenLoopRequest {
  headers?: Record<string, string>;
  body: string;
}

/** Options for {@link runOpenLoop}. */
export interface OpenLoopOptions {
  url: string;
  /** Arrival rate (requests/s), kept whatever the server does: the schedule never waits for answers. */
  rate: number;
  seconds: number;
  /** Called at each arrival: unique tokens and idempotency keys are minted here. */
  next: (i: number) => OpenLoopRequest;
  /** Whether an answer counts as a success (default: HTTP 200 without GraphQL `errors`). */
  ok?: (status: number, body: string) => boolean;
  /** Arrivals beyond this many in flight are dropped and counted as failures (default 2,000). */
  maxInFlight?: number;
  /** Per-request timeout (default 30 s); a timeout is a failure. */
  timeoutMs?: number;
}

/** What one open-loop run measured. */
export interface OpenLoopResult {
  rate: number;
  /** Arrivals scheduled in the run. */
  scheduled: number;
  completed: number;
  failed: number;
  dropped: number;
  /** Completed per second of the whole run, drain included. */
  throughput: number;
  /** From each request's *scheduled* start to its answer (coordinated omission corrected), ms. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** How late the generator itself sent, p99 ms: large values mean the load machine was the bottleneck. */
  sendLagP99: number;
}

const defaultOk = (status: number, body: string) => status === 200 && !body.includes('"errors"');

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * A fixed arrival rate over keep-alive HTTP (wrk2-style open loop): request i is due at
 * start + i / rate and is sent then, however many earlier requests are still waiting, so a slow
 * server sees its queue grow instead of a politely slowed client (autocannon's overallRate is
 * closed-loop per connection and hides that). Latency counts from the due time.
 */
export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const url = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const ok = options.ok ?? defaultOk;
  const maxInFlight = options.maxInFlight ?? 2_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const total = Math.max(1, Math.round(options.rate * options.seconds));
  const latencies: number[] = [];
  const lags: number[] = [];
  let failed = 0;
  let dropped = 0;
  let inFlight = 0;
  let sent = 0;
  const pending = new Set<Promise<void>>();

  const send = (i: number, due: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const { headers = {}, body } = options.next(i);
      lags.push(performance.now() - due);
      inFlight++;
      const finish = (success: boolean) => {
        inFlight--;
        latencies.push(performance.now() - due);
        if (!success) failed++;
        resolve();
      };
      const req = request(
        {
          hostname: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          agent,
          timeout: timeoutMs,
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            ...CREDENTIAL_HEADERS,
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => finish(ok(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"))));
          res.on("error", () => finish(false));
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => finish(false));
      req.end(body);
    });

  const started = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && started + (sent * 1000) / options.rate <= now) {
        const due = started + (sent * 1000) / options.rate;
        if (inFlight >= maxInFlight) dropped++;
        else {
          const p = send(sent, due);
          pending.add(p);
          void p.then(() => pending.delete(p));
        }
        sent++;
      }
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, Math.min(5, started + (sent * 1000) / options.rate - performance.now())));
    };
    tick();
  });
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  const lagSorted = Float64Array.from(lags).sort();
  return {
    rate: options.rate,
    scheduled: total,
    completed: latencies.length,
    failed: failed + dropped,
    dropped,
    throughput: round(latencies.length / seconds),
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? Number.NaN),
    sendLagP99: round(percentile(lagSorted, 99)),
  };
}
