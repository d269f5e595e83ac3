import { counter, histogram, LATENCY_BUCKETS } from "./registry.ts";

/** One finished HTTP request, as packages/http reports it. */
export interface HttpRequestEvent {
  method: string;
  /** The matched route path ("/graphql", "/events"), or "unmatched": never the raw URL. */
  route: string;
  status: number;
  durationMs: number;
}

const requests = counter({
  name: "http_requests_total",
  help: "HTTP requests served, by route, method and status code.",
  labelNames: ["route", "method", "code"] as const,
});
const duration = histogram({
  name: "http_request_duration_seconds",
  help: "Time from request start to the response being finished, by route, method and status code.",
  labelNames: ["route", "method", "code"] as const,
  buckets: LATENCY_BUCKETS,
});

/** Records a finished HTTP request (every process's server calls this for every request). */
export function observeHttpRequest(event: HttpRequestEvent): void {
  const labels = { route: event.route, method: event.method, code: String(event.status) };
  requests.inc(labels);
  duration.observe(labels, event.durationMs / 1000);
}
