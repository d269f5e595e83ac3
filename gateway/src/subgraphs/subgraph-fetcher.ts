import { Agent, request } from "undici";
import type { Fetcher } from "@apollo/utils.fetcher";
import type { CircuitBreaker } from "./circuit-breaker.ts";
import { createCallPolicies } from "./call-policy.ts";
import { currentOperationKind } from "./operation-kind.ts";
import { BufferedResponse } from "./buffered-response.ts";
import { exchange, type Exchanged } from "./buffered-exchange.ts";

/** Options for {@link createSubgraphFetcher}; defaults are documented in the README. */
export interface SubgraphFetcherOptions {
  name: string;
  /** Whole-request timeout per attempt. Default 10 s. */
  timeoutMs: number;
  /** Extra attempts for queries (never mutations) after a connection error or 5xx. Default 2. */
  retries: number;
  /** Retry delay ceiling of the first retry; doubles each attempt, with the shared equal jitter (half fixed). Default 50 ms. */
  retryBaseMs: number;
  breaker: CircuitBreaker;
  /** Share one in-flight request between identical concurrent queries (same body and token). */
  dedup: boolean;
  /** Keep-alive connection pool shared by this subgraph's calls. */
  dispatcher: Agent;
  /** While the circuit is open, poll the subgraph's /readyz this often and probe as soon as it says ready (0: off). Default 200 ms. */
  readinessPollMs?: number;
  /** Sees every failed attempt (metrics): its reason and whether it counted against the breaker. */
  onFailure?: (reason: FailureReason, counted: boolean) => void;
}

/** Why a subgraph call failed, in a bounded vocabulary (logs and metric labels). */
export type FailureReason =
  "circuit_open" | "timeout" | "connection_refused" | "connection_reset" | "http_5xx" | "other";

/** Raised when the subgraph cannot be reached (down, timed out, circuit open, 5xx). */
export class SubgraphUnavailableError extends Error {
  readonly subgraph: string;
  readonly reason: FailureReason;
  constructor(subgraph: string, reason: FailureReason, detail: string, options?: ErrorOptions) {
    super(`subgraph ${subgraph} unavailable: ${detail}`, options);
    this.subgraph = subgraph;
    this.reason = reason;
  }
}

type Buffered = Exchanged;

/** A keep-alive pool for one subgraph origin. */
export function createSubgraphPool(connections = 64): Agent {
  return new Agent({ connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, pipelining: 1 });
}

/** Maps a network error to a {@link FailureReason}. */
export function failureReason(error: unknown): FailureReason {
  const { name, code } = error as { name?: string; code?: string };
  if (name === "TimeoutError" || code === "UND_ERR_CONNECT_TIMEOUT" || code === "UND_ERR_HEADERS_TIMEOUT")
    return "timeout";
  if (code === "UND_ERR_BODY_TIMEOUT") return "timeout";
  if (code === "ECONNREFUSED") return "connection_refused";
  if (code === "ECONNRESET" || code === "EPIPE" || code === "UND_ERR_SOCKET" || code === "UND_ERR_CLOSED")
    return "connection_reset";
  return "other";
}

/** A 5xx whose body is a GraphQL response is the subgraph's answer (it is up; e.g. its database is down). */
function isGraphQLAnswer(headers: Record<string, string>, body: string): boolean {
  if (!/^application\/(graphql-response\+)?json/.test(headers["content-type"] ?? "")) return false;
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    return Array.isArray(parsed.errors) && parsed.errors.length > 0;
  } catch {
    return false;
  }
}

/**
 * The gateway's fetcher for one subgraph: undici keep-alive pool, per-attempt timeout, retries
 * with jittered exponential backoff for queries only (the kind comes from the query plan; a
 * mutation, or a fetch of unknown kind, is never sent twice), a circuit breaker, and in-flight
 * dedup of identical queries. Timeout, retry and breaker are one cockatiel policy (call-policy.ts).
 *
 * The breaker opens for a dead subgraph, not a slow request: a timeout counts against it only if
 * the subgraph answered nothing else while that request waited (a slow key, a long idempotency
 * wait or one heavy query must not cut everyone off).
 */
export function createSubgraphFetcher(options: SubgraphFetcherOptions): Fetcher {
  const inFlight = new Map<string, Promise<Buffered>>();
  /** When this subgraph last answered (performance.now()). */
  let lastAnswerAt = -Infinity;

  let watching = false;

  /**
   * While the circuit is open, asks the subgraph's own readiness probe (a cheap GET on the same
   * pool) and lets the next call through the moment it answers 200: a restarted subgraph is used
   * again within one poll of turning ready, whatever the breaker's backoff has grown to. Stops when
   * the circuit closes or the pool is closed (gateway shutdown).
   */
  async function watchReadiness(url: string): Promise<void> {
    const pollMs = options.readinessPollMs ?? 200;
    if (watching || pollMs <= 0) return;
    watching = true;
    const readyz = new URL("/readyz", url).toString();
    // Only a change to ready counts: a subgraph that is up yet failing keeps the breaker's backoff.
    let sawNotReady = false;
    try {
      while (options.breaker.state !== "closed" && !options.dispatcher.closed && !options.dispatcher.destroyed) {
        await new Promise((resolve) => setTimeout(resolve, pollMs).unref());
        if (options.breaker.state !== "open") continue;
        const ready = await request(readyz, {
          dispatcher: options.dispatcher,
          signal: AbortSignal.timeout(Math.max(pollMs, 1_000)),
        })
          .then(async (res) => (await res.body.dump(), res.statusCode === 200))
          .catch(() => false);
        if (!ready) sawNotReady = true;
        else if (sawNotReady) options.breaker.probeNow();
      }
    } finally {
      watching = false;
    }
  }

  function fail(
    url: string,
    reason: FailureReason,
    detail: string,
    startedAt: number,
    cause?: unknown,
  ): SubgraphUnavailableError {
    const error = new SubgraphUnavailableError(
      options.name,
      reason,
      detail,
      cause === undefined ? undefined : { cause },
    );
    const counted = !(reason === "timeout" && lastAnswerAt > startedAt);
    if (counted) {
      options.breaker.failed(error);
      if (options.breaker.state === "open") void watchReadiness(url);
    } else options.breaker.released();
    options.onFailure?.(reason, counted);
    return error;
  }

  function circuitOpen(): SubgraphUnavailableError {
    const last = options.breaker.lastFailure;
    options.onFailure?.("circuit_open", false);
    // The cause is the failure that opened the circuit, so logs say why, not only "circuit open".
    const detail = `circuit open${last ? ` (${last.message})` : ""}`;
    return new SubgraphUnavailableError(options.name, "circuit_open", detail, last ? { cause: last } : undefined);
  }

  /** One attempt, let through by the breaker; records its outcome on the breaker. */
  async function attempt(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    timedOut: AbortSignal,
  ): Promise<Buffered> {
    const startedAt = performance.now();
    let res: Buffered;
    try {
      res = await exchange(options.dispatcher, url, method, headers, body, timedOut);
    } catch (error) {
      const reason = failureReason(error);
      throw fail(
        url,
        reason,
        reason === "timeout" ? `timeout after ${options.timeoutMs} ms` : (error as Error).message,
        startedAt,
        error,
      );
    }
    const { status, headers: flat, body: text } = res;
    if (status >= 500) {
      // Returned as 200 so the gateway merges its coded errors at their paths instead of masking them.
      if (isGraphQLAnswer(flat, text)) {
        lastAnswerAt = performance.now();
        options.breaker.released();
        return { status: 200, headers: flat, body: text };
      }
      throw fail(url, "http_5xx", `HTTP ${status}`, startedAt);
    }
    lastAnswerAt = performance.now();
    options.breaker.succeeded();
    return res;
  }

  const policies = createCallPolicies({
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    retryBaseMs: options.retryBaseMs,
    breaker: options.breaker,
    // A timed-out query is resent never: it would likely time out again, tripling the wait.
    retryable: (error) =>
      error instanceof SubgraphUnavailableError && error.reason !== "circuit_open" && error.reason !== "timeout",
    circuitOpen,
  });

  function send(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    resend: boolean,
  ): Promise<Buffered> {
    const policy = resend ? policies.query : policies.other;
    return policy.execute(({ signal }) => attempt(url, method, headers, body, signal));
  }

  const fetcher = async (
    input: string,
    init?: { method?: string; headers?: Record<string, string>; body?: string },
  ) => {
    const method = init?.method ?? "POST";
    const headers = init?.headers ?? {};
    const body = init?.body;
    const isQuery = currentOperationKind() === "query";
    let buffered: Promise<Buffered>;
    if (options.dedup && isQuery && body !== undefined) {
      // Keyed by the token too: two users' identical queries may see different data.
      const key = `${input}\n${headers.authorization ?? headers.Authorization ?? ""}\n${body}`;
      let shared = inFlight.get(key);
      if (!shared) {
        shared = send(input, method, headers, body, true).finally(() => inFlight.delete(key));
        inFlight.set(key, shared);
      }
      buffered = shared;
    } else {
      buffered = send(input, method, headers, body, isQuery);
    }
    const result = await buffered;
    return new BufferedResponse(result.body, result.status, result.headers);
  };
  return fetcher as unknown as Fetcher;
}
