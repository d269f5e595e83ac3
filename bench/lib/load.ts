import autocannon from "autocannon";
import { CREDENTIAL_HEADERS } from "./credentials.ts";
import { percentile } from "./summary.ts";

/** One request as the load generator sends it. */
export interface LoadRequest {
  headers: Record<string, string>;
  body: string;
}

/** Options for {@link runLoad}. */
export interface LoadOptions {
  url: string;
  seconds: number;
  connections: number;
  /** Fixed request rate for the whole run (requests/s); unset = as fast as the server answers. */
  overallRate?: number;
  /** Called for every request: unique tokens and idempotency keys are minted here. */
  next: () => LoadRequest;
}

/** What one load run measured. */
export interface LoadResult {
  /** Completed within the run (latencies and RPS are computed over these). */
  requests: number;
  /** Sent, including those still in flight when the run stopped (the server finishes them). */
  sent: number;
  seconds: number;
  rps: number;
  /** Latency of every completed request (not only 2xx), in ms with µs resolution. */
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  bytesPerResponse: number;
}

/**
 * One bounded autocannon run over loopback. Percentiles are computed here from every response's
 * own timing: autocannon's histogram keeps whole milliseconds only, too coarse for sub-ms
 * differences between a gateway and the subgraph behind it.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let bytes = 0;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.seconds,
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
        requests: [
          {
            method: "POST",
            setupRequest: (request) => {
              const { headers, body } = options.next();
              return {
                ...request,
                method: "POST",
                headers: { "content-type": "application/json", ...CREDENTIAL_HEADERS, ...headers },
                body,
              };
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const seconds = (performance.now() - started) / 1000;
        const sorted = Float64Array.from(latencies).sort();
        resolve({
          requests: latencies.length,
          sent: Math.max(result.requests.sent, latencies.length),
          seconds,
          rps: latencies.length / seconds,
          p50: percentile(sorted, 50),
          p99: percentile(sorted, 99),
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          bytesPerResponse: latencies.length ? bytes / latencies.length : 0,
        });
      },
    );
    instance.on("response", (_client: unknown, _status: number, resBytes: number, responseTime: number) => {
      latencies.push(responseTime);
      bytes += resBytes;
    });
  });
}
