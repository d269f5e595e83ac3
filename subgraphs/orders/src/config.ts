import { envInt, envUrl, loadConfig, z } from "@shopgraph/config";
import { checkSeed, checkServiceToken, finishSubgraphConfig, subgraphEnv } from "@shopgraph/subgraph-kit";

const schema = z
  .object({
    ...subgraphEnv(4003),
    /** Users' key set; every access token is verified here again (zero trust). */
    JWKS_URL: envUrl(),
    /** Products' own /graphql (never the gateway): stock reservations and price snapshots. */
    PRODUCTS_URL: envUrl(),
    PRODUCTS_TIMEOUT_MS: envInt(5_000, 100),
    /** Simulated payment provider: added latency per call and the share of calls that fail (timeouts, 5xx). */
    PAYMENT_LATENCY_MS: envInt(0, 0),
    PAYMENT_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
    /** A provider call slower than this counts as a timeout (its outcome is then looked up). */
    PAYMENT_TIMEOUT_MS: envInt(10_000, 100),
    /**
     * How often the recovery sweep runs (0 disables it; a pass also runs right after start), and
     * how old a stuck saga must be: a crashed checkout is settled within AGE + INTERVAL of its last step.
     */
    RECOVERY_INTERVAL_MS: envInt(5_000, 0),
    RECOVERY_AGE_MS: envInt(30_000, 0),
    /** How long a duplicate placeOrder waits for the first attempt with the same key (then IDEMPOTENCY_KEY_IN_USE). */
    IDEMPOTENCY_WAIT_MS: envInt(5_000, 100),
    /** The gateway's SUBGRAPH_TIMEOUT_MS: answers (the idempotency wait included) must come well before it gives up. */
    GATEWAY_SUBGRAPH_TIMEOUT_MS: envInt(10_000, 100),
  })
  .superRefine((env, ctx) => {
    // The sweep must never take over a saga that is merely waiting on a slow call: every external
    // call is bounded by its timeout, so a saga untouched for twice the longest one is abandoned.
    const longestCall = Math.max(env.PRODUCTS_TIMEOUT_MS, env.PAYMENT_TIMEOUT_MS);
    if (env.NODE_ENV !== "test" && env.RECOVERY_AGE_MS < 2 * longestCall) {
      ctx.addIssue({
        code: "custom",
        path: ["RECOVERY_AGE_MS"],
        message: `must be at least twice the longest call timeout (${2 * longestCall} ms)`,
      });
    }
    // A waiting duplicate must get its coded IDEMPOTENCY_KEY_IN_USE, not the gateway's timeout
    // (which would also count against the orders circuit breaker).
    if (env.NODE_ENV !== "test" && env.IDEMPOTENCY_WAIT_MS > env.GATEWAY_SUBGRAPH_TIMEOUT_MS / 2) {
      ctx.addIssue({
        code: "custom",
        path: ["IDEMPOTENCY_WAIT_MS"],
        message: `must be at most half the gateway's subgraph timeout (${env.GATEWAY_SUBGRAPH_TIMEOUT_MS / 2} ms)`,
      });
    }
    checkServiceToken(env, ctx);
    checkSeed(env, ctx);
  });

/** The orders subgraph's validated configuration. */
export type OrdersConfig = ReturnType<typeof loadOrdersConfig>;

/** Reads and validates the environment (the only place orders reads process.env). */
export function loadOrdersConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig("orders", schema, env);
  return Object.freeze({
    ...finishSubgraphConfig(config, env),
    JWKS_URL: config.JWKS_URL ?? "http://127.0.0.1:4001/.well-known/jwks.json",
    PRODUCTS_URL: config.PRODUCTS_URL ?? "http://127.0.0.1:4002/graphql",
  });
}
