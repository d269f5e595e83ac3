import { Agent, request } from "undici";
import type { Fetcher } from "@apollo/utils.fetcher";
import { CircuitBreaker } from "./circuit-breaker.ts";

/** Options for {@link createSubgraphFetcher}; defaults are documented in the README. */
export interface SubgraphFetcherOptions {
  name: string;
  /** Whole-request timeout per attempt. Default 10 s. */
  timeoutMs: number;
  /** Extra attempts for queries (never mutations) after a network error or 5xx. Default 2. */
  retries: number;
  /** First retry delay; doubles each attempt, with full jitter. Default 50 ms. */
  retryBaseMs: number;
  breaker: CircuitBreaker;
  /** Share one in-flight request between identical concurrent queries (same body and token). */
  dedup: boolean;
  /** Keep-alive connection pool shared by this subgraph's calls. */
  dispatcher: Agent;
}

/** Raised when the subgraph cannot be reached (down, timed out, circuit open, 5xx). */
export class SubgraphUnavailableError extends Error {
  readonly subgraph: string;
  constructor(subgraph: string, reason: string, options?: ErrorOptions) {
    super(`subgraph ${subgraph} unavailable: ${reason}`, options);
    this.subgraph = subgraph;
  }
}

interface Buffered {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const isMutation = (body: string): boolean => /"query"\s*:\s*"\s*mutation\b/.test(body);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A keep-alive pool for one subgraph origin. */
export function createSubgraphPool(connections = 64): Agent {
  return new Agent({ connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, pipelining: 1 });
}

/**
 * The gateway's fetcher for one subgraph: undici keep-alive pool, per-attempt timeout, retries
 * with jittered exponential backoff for queries only (a mutation is never sent twice), a circuit
 * breaker, and in-flight dedup of identical queries.
 */
export function createSubgraphFetcher(options: SubgraphFetcherOptions): Fetcher {
  const inFlight = new Map<string, Promise<Buffered>>();

  async function attempt(url: string, method: string, headers: Record<string, string>, body: string | undefined): Promise<Buffered> {
    if (!options.breaker.tryAcquire()) throw new SubgraphUnavailableError(options.name, "circuit open");
    try {
      const res = await request(url, { method: method as "POST", headers, ...(body !== undefined ? { body } : {}), dispatcher: options.dispatcher, signal: AbortSignal.timeout(options.timeoutMs) });
      const text = await res.body.text();
      if (res.statusCode >= 500) throw new SubgraphUnavailableError(options.name, `HTTP ${res.statusCode}`);
      options.breaker.succeeded();
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(", ") : v;
      return { status: res.statusCode, headers: flat, body: text };
    } catch (error) {
      options.breaker.failed();
      if (error instanceof SubgraphUnavailableError) throw error;
      throw new SubgraphUnavailableError(options.name, (error as Error).name === "TimeoutError" ? "timeout" : (error as Error).message, { cause: error });
    }
  }

  async function send(url: string, method: string, headers: Record<string, string>, body: string | undefined): Promise<Buffered> {
    const retries = body !== undefined && isMutation(body) ? 0 : options.retries;
    for (let i = 0; ; i++) {
      try {
        return await attempt(url, method, headers, body);
      } catch (error) {
        const open = error instanceof SubgraphUnavailableError && error.message.endsWith("circuit open");
        if (i >= retries || open) throw error;
        await sleep(Math.random() * options.retryBaseMs * 2 ** i);
      }
    }
  }

  const fetcher = async (input: string, init?: { method?: string; headers?: Record<string, string>; body?: string }) => {
    const method = init?.method ?? "POST";
    const headers = init?.headers ?? {};
    const body = init?.body;
    let buffered: Promise<Buffered>;
    if (options.dedup && body !== undefined && !isMutation(body)) {
      // Keyed by the token too: two users' identical queries may see different data.
      const key = `${input}\n${headers.authorization ?? headers.Authorization ?? ""}\n${body}`;
      let shared = inFlight.get(key);
      if (!shared) {
        shared = send(input, method, headers, body).finally(() => inFlight.delete(key));
        inFlight.set(key, shared);
      }
      buffered = shared;
    } else {
      buffered = send(input, method, headers, body);
    }
    const result = await buffered;
    return new Response(result.body, { status: result.status, headers: result.headers });
  };
  return fetcher as unknown as Fetcher;
}
