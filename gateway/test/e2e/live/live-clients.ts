import { ApolloClient, HttpLink, InMemoryCache, gql as parseGql } from "@apollo/client";
import { registry } from "@shopgraph/metrics";
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient } from "graphql-ws";
import WebSocket from "ws";

/** One result (or the end) of a subscription as a test sees it, whatever the transport. */
export interface Received {
  data?: Record<string, unknown> | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

/** A subscription under test: what arrived, how it ended. */
export interface TestSubscription {
  results: Received[];
  /** Set when the stream failed (transport error, refusal): the error as the client library reports it. */
  failure: unknown;
  completed: boolean;
  /** Resolves with the first result (from the start) matching `predicate`; rejects after `timeoutMs`. */
  waitFor(predicate: (r: Received) => boolean, timeoutMs?: number): Promise<Received>;
  /** Resolves once the stream failed or completed. */
  ended(timeoutMs?: number): Promise<void>;
  stop(): void;
}

/** A client library speaking one transport to the gateway. */
export interface TransportClient {
  subscribe(query: string, variables?: Record<string, unknown>): TestSubscription;
  close(): Promise<void>;
}

/** The transports under test, each with the client library its users run. */
export type TransportName = "multipart" | "ws" | "sse";

function tracker(): TestSubscription & {
  push(r: Received): void;
  fail(e: unknown): void;
  complete(): void;
  onStop: () => void;
} {
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const poll = <T>(check: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const run = () => {
        const found = check();
        if (found !== undefined) {
          waiters.delete(run);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(run);
        reject(
          new Error(`timed out waiting for ${what}; got ${JSON.stringify(sub.results)} failure=${String(sub.failure)}`),
        );
      }, timeoutMs);
      waiters.add(run);
      run();
    });
  const sub = {
    results: [] as Received[],
    failure: undefined as unknown,
    completed: false,
    onStop: () => {},
    push(r: Received) {
      sub.results.push(r);
      notify();
    },
    fail(e: unknown) {
      sub.failure = e ?? new Error("failed");
      notify();
    },
    complete() {
      sub.completed = true;
      notify();
    },
    waitFor: (predicate: (r: Received) => boolean, timeoutMs = 10_000) =>
      poll(() => sub.results.find(predicate), timeoutMs, "a matching result"),
    ended: (timeoutMs = 10_000) =>
      poll(() => (sub.failure !== undefined || sub.completed ? true : undefined), timeoutMs, "the end").then(() => {}),
    stop: () => sub.onStop(),
  };
  return sub;
}

/** A refusal Apollo Client reports as a ServerError (non-2xx): the GraphQL errors of its JSON body. */
function serverErrors(error: { bodyText?: string; statusCode?: number }): NonNullable<Received["errors"]> {
  try {
    const body = JSON.parse(error.bodyText ?? "") as { errors?: Received["errors"] };
    if (body.errors)
      return body.errors.map((e) => ({ ...e, extensions: { ...e.extensions, status: error.statusCode } }));
  } catch {
    // not JSON: fall through
  }
  return [{ message: String(error), extensions: { status: error.statusCode } }];
}

/** Apollo Client 4 over multipart HTTP (its HttpLink speaks the subscription protocol itself). */
function apolloClient(url: string, token: string | null): TransportClient {
  const client = new ApolloClient({
    link: new HttpLink({ uri: url, headers: token ? { authorization: `Bearer ${token}` } : {} }),
    cache: new InMemoryCache(),
  });
  return {
    subscribe(query, variables) {
      const sub = tracker();
      const observable = client.subscribe({
        query: parseGql(query),
        ...(variables ? { variables } : {}),
        fetchPolicy: "no-cache",
        errorPolicy: "all",
      });
      const handle = observable.subscribe({
        next: (r) => {
          const error = (r as { error?: { errors?: Received["errors"]; bodyText?: string; statusCode?: number } })
            .error;
          sub.push({
            data: (r.data as Record<string, unknown> | undefined) ?? null,
            ...(error ? { errors: error.errors ?? serverErrors(error) } : {}),
          });
        },
        error: (e: unknown) => sub.fail(e),
        complete: () => sub.complete(),
      });
      sub.onStop = () => handle.unsubscribe();
      return sub;
    },
    close: async () => client.stop(),
  };
}

/** The graphql-ws client (graphql-transport-ws), token in connectionParams. */
function wsClient(url: string, token: string | null): TransportClient {
  const client = createWsClient({
    url: url.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
  return {
    subscribe(query, variables) {
      const sub = tracker();
      sub.onStop = client.subscribe(
        { query, ...(variables ? { variables } : {}) },
        {
          next: (r) => sub.push(r as Received),
          error: (e) => sub.fail(e),
          complete: () => sub.complete(),
        },
      );
      return sub;
    },
    close: () => client.dispose() as Promise<void>,
  };
}

/** The graphql-sse client in distinct connections mode, token as the Bearer header. */
function sseClient(url: string, token: string | null): TransportClient {
  const client = createSseClient({
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    singleConnection: false,
  });
  return {
    subscribe(query, variables) {
      const sub = tracker();
      sub.onStop = client.subscribe(
        { query, ...(variables ? { variables } : {}) },
        {
          next: (r) => sub.push(r as Received),
          error: (e) => sub.fail(e),
          complete: () => sub.complete(),
        },
      );
      return sub;
    },
    close: async () => client.dispose(),
  };
}

/** A client of the named transport for one user (null: anonymous). */
export function transportClient(name: TransportName, url: string, token: string | null): TransportClient {
  return name === "multipart" ? apolloClient(url, token) : name === "ws" ? wsClient(url, token) : sseClient(url, token);
}

/** Open subscriptions on the gateways of this test process (the gauge every gateway reports to). */
export async function activeSubscriptions(): Promise<number> {
  const metric = registry.getSingleMetric("gateway_subscriptions_active");
  const values = (await metric?.get())?.values ?? [];
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** Waits until `count` subscriptions are open (a subscribe has no acknowledgement in two of the protocols). */
export async function waitForActive(count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await activeSubscriptions()) < count) {
    if (Date.now() > deadline)
      throw new Error(`expected ${count} open subscriptions, have ${await activeSubscriptions()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
