/**
 * The subgraph call paths `bench/policy-bench.ts` compares, each over the same answering stub: an
 * undici dispatcher that answers every request at once with the same 200 JSON body (the hot path's
 * shape: a fetch that resolves and succeeds), so what differs between them is only the policy.
 *
 * - `bare`: the gateway's `exchange()` alone (listening to a signal that never aborts) and the
 *   response object: no timeout, breaker or retry. The floor the others are measured against.
 * - `gateway`: the gateway's own `createSubgraphFetcher` as it is (since issue 17 §4: cockatiel's
 *   retry and timeout, `abortOnReturn: false`, around the gateway's breaker; call-policy.ts).
 * - `cockatiel`: the policy as cockatiel alone with its defaults, wrap(retry, circuitBreaker, timeout)
 *   (per-attempt timeout inside the retry, as the gateway's), the retry chosen from the plan's kind.
 * - `cockatiel-lean`: the same with `abortOnReturn: false` (the timeout does not abort its
 *   AbortController after every successful call), the cheapest configuration cockatiel offers.
 *
 * The gateway's earlier hand-written timeout, retry loop and breaker were measured against the
 * cockatiel variants by this file at commit eef0a80 (`hand`); bench/results/policy.md keeps both runs.
 */
import type { Agent, Dispatcher } from "undici";
import {
  circuitBreaker,
  ConsecutiveBreaker,
  DelegateBackoff,
  ExponentialBackoff,
  handleWhen,
  retry,
  timeout,
  TimeoutStrategy,
  wrap,
  type IPolicy,
} from "cockatiel";
import { backoffDelayMs } from "@shopgraph/util";
import { exchange } from "../../gateway/src/subgraphs/buffered-exchange.ts";
import { BufferedResponse } from "../../gateway/src/subgraphs/buffered-response.ts";
import { CircuitBreaker, DEFAULT_BREAKER } from "../../gateway/src/subgraphs/circuit-breaker.ts";
import { currentOperationKind, withOperationKind } from "../../gateway/src/subgraphs/operation-kind.ts";
import { createSubgraphFetcher, SubgraphUnavailableError } from "../../gateway/src/subgraphs/subgraph-fetcher.ts";

export const POLICY_VARIANTS = ["bare", "gateway", "cockatiel", "cockatiel-lean"] as const;
export type PolicyVariant = (typeof POLICY_VARIANTS)[number];

/** A subgraph call as the data source makes it: the plan's kind in scope, a response to read. */
export type SubgraphCall = () => Promise<{ status: number }>;

/** The gateway's production settings (config defaults, server.ts). */
const TIMEOUT_MS = 10_000;
const RETRIES = 2;
const RETRY_BASE_MS = 50;

const URL = "http://subgraph.invalid:4002/graphql";
const INIT = {
  method: "POST",
  headers: { "content-type": "application/json", authorization: "Bearer bench" },
  body: JSON.stringify({ query: "query($id: ID!) { product(id: $id) { id name price } }", variables: { id: "p1" } }),
};

const neverAborted = new AbortController().signal;

/** An undici dispatcher that answers every request at once: 200, JSON, `body`. */
export function answeringDispatcher(body: string): Dispatcher {
  const chunk = Buffer.from(body);
  const headers = { "content-type": "application/json", "content-length": String(chunk.length) };
  const controller = { abort() {}, pause() {}, resume() {}, aborted: false, paused: false, reason: null };
  return {
    dispatch(_options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
      const c = controller as unknown as Dispatcher.DispatchController;
      handler.onRequestStart?.(c, {});
      handler.onResponseStart?.(c, 200, headers, "OK");
      handler.onResponseData?.(c, chunk);
      handler.onResponseEnd?.(c, {});
      return true;
    },
  } as unknown as Dispatcher;
}

/** One cockatiel policy for the gateway's semantics; `lean` turns off the abort on every return. */
function cockatielPolicies(lean: boolean, health: { lastAnswerAt: number }): { query: IPolicy; other: IPolicy } {
  // As the gateway's rule: a timeout counts against the breaker only if nothing answered meanwhile.
  const unavailable = handleWhen(
    (error) =>
      error instanceof SubgraphUnavailableError &&
      !(error.reason === "timeout" && performance.now() - health.lastAnswerAt < TIMEOUT_MS),
  );
  const breaker = circuitBreaker(unavailable, {
    breaker: new ConsecutiveBreaker(DEFAULT_BREAKER.failureThreshold),
    halfOpenAfter: new ExponentialBackoff({
      initialDelay: DEFAULT_BREAKER.firstOpenMs,
      maxDelay: DEFAULT_BREAKER.openMs,
    }),
  });
  const perAttempt = timeout(TIMEOUT_MS, { strategy: TimeoutStrategy.Cooperative, abortOnReturn: !lean });
  const retryable = handleWhen((error) => error instanceof SubgraphUnavailableError && error.reason !== "timeout");
  const retries = retry(retryable, {
    maxAttempts: RETRIES,
    backoff: new DelegateBackoff((context) =>
      backoffDelayMs(context.attempt, { baseMs: RETRY_BASE_MS, maxMs: RETRY_BASE_MS * 2 ** RETRIES }),
    ),
  });
  return { query: wrap(retries, breaker, perAttempt), other: wrap(breaker, perAttempt) };
}

/** The fetcher shape of `createSubgraphFetcher`, its policy expressed with cockatiel. */
function cockatielFetcher(dispatcher: Dispatcher, lean: boolean) {
  const health = { lastAnswerAt: -Infinity };
  const policies = cockatielPolicies(lean, health);
  return async (input: string, init: typeof INIT) => {
    const policy = currentOperationKind() === "query" ? policies.query : policies.other;
    const result = await policy.execute(async ({ signal }) => {
      const res = await exchange(dispatcher, input, init.method, init.headers, init.body, signal);
      if (res.status >= 500) throw new SubgraphUnavailableError("bench", "http_5xx", `HTTP ${res.status}`);
      health.lastAnswerAt = performance.now();
      return res;
    });
    return new BufferedResponse(result.body, result.status, result.headers);
  };
}

/** A call of the given variant against `dispatcher` (one fetcher, one breaker, per variant). */
export function policyCall(variant: PolicyVariant, dispatcher: Dispatcher): SubgraphCall {
  switch (variant) {
    case "bare":
      return () =>
        withOperationKind("query", async () => {
          const res = await exchange(dispatcher, URL, INIT.method, INIT.headers, INIT.body, neverAborted);
          return new BufferedResponse(res.body, res.status, res.headers);
        });
    case "gateway": {
      const fetcher = createSubgraphFetcher({
        name: "bench",
        timeoutMs: TIMEOUT_MS,
        retries: RETRIES,
        retryBaseMs: RETRY_BASE_MS,
        breaker: new CircuitBreaker(DEFAULT_BREAKER),
        dedup: false,
        dispatcher: dispatcher as Agent,
        onFailure: () => {},
      }) as unknown as (input: string, init: typeof INIT) => Promise<{ status: number }>;
      return () => withOperationKind("query", () => fetcher(URL, INIT));
    }
    case "cockatiel":
    case "cockatiel-lean": {
      const fetcher = cockatielFetcher(dispatcher, variant === "cockatiel-lean");
      return () => withOperationKind("query", () => fetcher(URL, INIT));
    }
  }
}
