import { createHash } from "node:crypto";

/** What a started social login keeps on the server until it is completed (never sent to the client). */
export interface StoredFlow {
  /** The configured provider id the flow was started for. */
  provider: string;
  redirectUri: string;
  nonce: string;
  codeVerifier: string;
  /** The signed-in user who started it: linkIdentity accepts only their own flows. */
  startedBy: string | null;
}

/** Started flows by state: single use, expiring. */
export interface FlowStore {
  put(state: string, flow: StoredFlow, ttlSeconds: number): Promise<void>;
  /** The flow for this state, removed in the same step; null when unknown, expired or already taken. */
  take(state: string): Promise<StoredFlow | null>;
}

/** The part of @shopgraph/kv's RedisKeyValueCache / MemoryKeyValueCache the store uses. */
export interface FlowCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, options: { ttl: number }): Promise<void>;
  delete(key: string): Promise<boolean | void>;
}

// Keyed by a hash of the state: a store dump holds no state a browser could still present.
const keyOf = (state: string) => `oidc-flow:${createHash("sha256").update(state).digest("base64url")}`;

/** A store that cannot be reached is an outage (SERVICE_UNAVAILABLE, retryable), not a bug. */
const outage = (cause: unknown) =>
  Object.assign(new Error("The social login store is unavailable", { cause }), { outage: true });

/**
 * Flows over a KeyValueCache: Redis (shared by every replica: a flow started on one completes on
 * another) or the in-process cache without Redis. Take is get + delete, and only the caller whose
 * delete removed the key gets the flow, so two concurrent completions cannot both redeem it.
 */
export function createFlowStore(cache: FlowCache): FlowStore {
  return {
    async put(state, flow, ttlSeconds) {
      await cache
        .set(keyOf(state), JSON.stringify(flow), { ttl: ttlSeconds })
        .catch((error: unknown) => Promise.reject(outage(error)));
    },
    async take(state) {
      const key = keyOf(state);
      try {
        const raw = await cache.get(key);
        if (raw === undefined || !(await cache.delete(key))) return null;
        return JSON.parse(raw) as StoredFlow;
      } catch (error) {
        throw outage(error);
      }
    },
  };
}
