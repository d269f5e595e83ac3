import { fileURLToPath } from "node:url";
import { authEnv, DEV_GATEWAY_TOKEN } from "@shopgraph/auth";
import { baseEnv, envInt, envPort, envTokenList, loadConfig, metricsPort, z } from "@shopgraph/config";

const url = (fallback: string) => z.url().default(fallback);

const schema = z
  .object({
    ...baseEnv,
    PORT: envPort(4000),
    /** Metrics listener (GET /metrics only), bound to METRICS_HOST; default 0 when PORT is 0. */
    METRICS_PORT: envPort(9400),
    /** json (default) or pretty; pretty is honoured in development only (it costs a worker thread). */
    LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
    USERS_URL: url("http://127.0.0.1:4001/graphql"),
    PRODUCTS_URL: url("http://127.0.0.1:4002/graphql"),
    ORDERS_URL: url("http://127.0.0.1:4003/graphql"),
    NOTIFICATIONS_URL: url("http://127.0.0.1:4004/graphql"),
    JWKS_URL: url("http://127.0.0.1:4001/.well-known/jwks.json"),
    JWT_ISSUER: z.string().min(1).default("https://shopgraph.dev/users"),
    JWT_AUDIENCE: z.string().min(1).default("shopgraph"),
    /** The gateway's credential to the subgraphs, "current[,previous]": the first is sent on every fetch. */
    GATEWAY_TOKEN: envTokenList("GATEWAY_TOKEN"),
    /** Clock tolerance, revocation poll interval and (without Redis) the users revocation feed. */
    ...authEnv,
    SUPERGRAPH_PATH: z.string().default(fileURLToPath(new URL("../../schema/supergraph.graphql", import.meta.url))),
    /** Re-read SUPERGRAPH_PATH this often and swap a changed supergraph in place (a mounted ConfigMap); 0 (default): read once. */
    SUPERGRAPH_POLL_MS: envInt(0, 0),
    /** Comma-separated browser origins allowed by CORS; credentials are only ever sent to these. */
    CORS_ORIGINS: z
      .string()
      .default("http://localhost:3000,http://localhost:4000")
      .transform((v) =>
        v
          .split(",")
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .refine((origins) => !origins.includes("*"), "must list origins explicitly, never '*'"),
    BODY_LIMIT_BYTES: envInt(256 * 1024),
    MAX_DEPTH: envInt(15),
    MAX_ALIASES: envInt(30),
    MAX_ROOT_FIELDS: envInt(20),
    MAX_DIRECTIVES: envInt(50),
    MAX_FIELDS: envInt(1_500),
    MAX_TOKENS: envInt(3_000),
    MAX_COST: envInt(10_000),
    /** Most times one credential field (login, register, refreshSession) may appear in an operation. */
    MAX_CREDENTIAL_FIELDS: envInt(1),
    /** Validation errors per response (graphql-js maxErrors); the last one says the limit was hit. */
    MAX_VALIDATION_ERRORS: envInt(10, 2),
    SUBGRAPH_TIMEOUT_MS: envInt(10_000),
    SUBGRAPH_RETRIES: envInt(2, 0),
    BREAKER_FAILURE_THRESHOLD: envInt(5),
    BREAKER_OPEN_MS: envInt(5_000),
    /** First open period of a tripped breaker; doubles after each failed probe up to BREAKER_OPEN_MS. */
    BREAKER_FIRST_OPEN_MS: envInt(250, 1),
    /** While a circuit is open, poll the subgraph's /readyz this often and probe once it turns ready (0: off). */
    BREAKER_READINESS_POLL_MS: envInt(200, 0),
    SUBGRAPH_DEDUP: z
      .enum(["true", "false"])
      .default("true")
      .transform((v) => v === "true"),
    /** Who executes query plans: "shopgraph" (gateway/src/engine, proven against Apollo by the differential suite) or "apollo" (@apollo/gateway's executor). */
    GATEWAY_ENGINE: z.enum(["shopgraph", "apollo"]).default("shopgraph"),
    APQ_TTL_SECONDS: envInt(24 * 3600),
    /**
     * Comma-separated manifest files or folders of them (every .json inside: one per app version),
     * in Apollo's persisted query manifest format or Apollo iOS/Kotlin's id-keyed one. Default: the
     * web manifest and the mobile apps' folder.
     */
    PERSISTED_QUERY_MANIFESTS: z
      .string()
      .default(
        ["manifest.json", "apps"]
          .map((p) => fileURLToPath(new URL(`../../schema/persisted-queries/${p}`, import.meta.url)))
          .join(),
      )
      .transform((v) =>
        v
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean),
      ),
    TRUSTED_DOCUMENTS_MODE: z.enum(["off", "audit", "enforce"]).default("off"),
    /** Per-client modes, e.g. "shopgraph-ios:enforce,shopgraph-android:enforce". */
    TRUSTED_DOCUMENTS_CLIENTS: z
      .string()
      .default("shopgraph-ios:enforce,shopgraph-android:enforce")
      .transform((v, ctx) => {
        const modes: Record<string, "off" | "audit" | "enforce"> = {};
        for (const pair of v
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean)) {
          const [client, mode] = pair.split(":");
          if (!client || (mode !== "off" && mode !== "audit" && mode !== "enforce"))
            ctx.addIssue({ code: "custom", message: `bad entry "${pair}" (want client:off|audit|enforce)` });
          else modes[client] = mode;
        }
        return modes;
      }),
    RATE_LIMIT_ENABLED: z
      .enum(["true", "false"])
      .default("true")
      .transform((v) => v === "true"),
    RATE_LIMIT_WINDOW_MS: envInt(60_000),
    RATE_LIMIT_USER_POINTS: envInt(20_000),
    RATE_LIMIT_ANON_POINTS: envInt(10_000),
    RATE_LIMIT_CREDENTIAL_ATTEMPTS: envInt(10),
    /** Behind a trusted proxy: accept its x-request-id and take the client IP from x-forwarded-for. */
    TRUST_PROXY: z
      .enum(["true", "false"])
      .default("false")
      .transform((v) => v === "true"),
    /** With TRUST_PROXY: how many proxies append to x-forwarded-for; the client is that many entries from the right. */
    TRUSTED_PROXY_HOPS: envInt(1),
    /** Live updates (subscriptions): open subscriptions per user on one gateway process (SUBSCRIPTION_LIMIT_EXCEEDED beyond). */
    LIVE_MAX_SUBSCRIPTIONS_PER_USER: envInt(20, 1),
    /** Open subscriptions per WebSocket connection (SUBSCRIPTION_LIMIT_EXCEEDED beyond). */
    LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: envInt(10, 1),
    /** Time a WebSocket has to send connection_init before it is closed with 4408. */
    LIVE_CONNECTION_INIT_TIMEOUT_MS: envInt(3_000, 100),
    /** WebSocket ping interval: idle links stay open through proxies, a peer missing a pong is closed. */
    LIVE_KEEPALIVE_MS: envInt(12_000, 100),
    /** Multipart HTTP heartbeat: a `{}` part this often. */
    LIVE_HEARTBEAT_MS: envInt(5_000, 100),
    /** Events one subscriber may fall behind before it is dropped with SUBSCRIBER_TOO_SLOW. */
    LIVE_BUFFER_SIZE: envInt(100, 1),
    /** An open stream re-verifies its token this often (revocation ends it with UNAUTHENTICATED within this). */
    LIVE_AUTH_RECHECK_MS: envInt(30_000, 100),
  })
  .superRefine((env, ctx) => {
    // Subgraphs refuse every request without it; production must not run on the public dev default.
    if (env.NODE_ENV !== "production") return;
    if (!env.GATEWAY_TOKEN)
      ctx.addIssue({ code: "custom", path: ["GATEWAY_TOKEN"], message: "required in production" });
    else if (env.GATEWAY_TOKEN.includes(DEV_GATEWAY_TOKEN))
      ctx.addIssue({
        code: "custom",
        path: ["GATEWAY_TOKEN"],
        message: "the development default must not be used in production",
      });
  });

/** The gateway's validated configuration. */
export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

/**
 * Browser dev servers allowed by default in development only (Vite 5173, Next/CRA 3000, the
 * gateway's own 4000), in both the localhost and 127.0.0.1 forms. Production takes CORS_ORIGINS only.
 */
export const DEV_CORS_ORIGINS: readonly string[] = [5173, 3000, 4000].flatMap((port) => [
  `http://localhost:${port}`,
  `http://127.0.0.1:${port}`,
]);

/** Reads and validates the environment (the only place the gateway reads process.env). */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  const loaded = loadConfig("gateway", schema, env);
  const config = Object.freeze({
    ...loaded,
    METRICS_PORT: metricsPort(loaded, env),
    GATEWAY_TOKEN: (loaded.GATEWAY_TOKEN ?? [DEV_GATEWAY_TOKEN])[0]!,
    /** Every accepted form of the gateway credential (current, previous): embedded mode's live-event pushes present it. */
    GATEWAY_CREDENTIALS: Object.freeze([...(loaded.GATEWAY_TOKEN ?? [DEV_GATEWAY_TOKEN])]),
  });
  if (config.NODE_ENV !== "development" || env.CORS_ORIGINS?.trim()) return config;
  return Object.freeze({ ...config, CORS_ORIGINS: [...new Set([...config.CORS_ORIGINS, ...DEV_CORS_ORIGINS])] });
}
