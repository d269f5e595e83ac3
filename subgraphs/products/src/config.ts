import { envBoolean, envInt, envUrl, loadConfig, z } from "@shopgraph/config";
import { checkSeed, checkServiceToken, finishSubgraphConfig, subgraphEnv } from "@shopgraph/subgraph-kit";

const schema = z
  .object({
    ...subgraphEnv(4002),
    /** Users' public keys; access tokens are verified here again (zero trust). */
    JWKS_URL: envUrl().transform((url) => url ?? "http://127.0.0.1:4001/.well-known/jwks.json"),
    /** Available units at or below which `inventory.low_stock` is recorded. */
    LOW_STOCK_THRESHOLD: envInt(5, 0),
    /** How long a checkout's reservation holds stock before it expires. */
    RESERVATION_TTL_SECONDS: envInt(900, 1),
    /** How often expired reservations are released (they stop counting at expiry either way). */
    RESERVATION_SWEEP_INTERVAL_SECONDS: envInt(30, 1),
    /** Base TTL of cached product/category entities; each write adds up to 10% jitter. */
    CACHE_TTL_SECONDS: envInt(300, 1),
    /** Entity/category cache on (default) or off (benchmarks; debugging a suspected stale read). */
    CACHE_ENABLED: envBoolean(true),
  })
  .superRefine((env, ctx) => {
    checkServiceToken(env, ctx);
    checkSeed(env, ctx);
  });

/** The products subgraph's validated configuration. */
export type ProductsConfig = ReturnType<typeof loadProductsConfig>;

/** Reads and validates the environment (the only place products reads process.env). */
export function loadProductsConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig("products", schema, env);
  return Object.freeze(finishSubgraphConfig(config, env));
}
