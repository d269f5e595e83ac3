import { fileURLToPath } from "node:url";
import { authEnv, DEV_GATEWAY_TOKEN } from "@shopgraph/auth";
import { baseEnv, envBoolean, envInt, envPort, envTokenList, envUrl, metricsPort, z } from "@shopgraph/config";
import { subgraphLimitsEnv } from "./subgraph-limits.ts";

/** The repository's .data folder: embedded databases and development keys (gitignored). */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL("../../../.data", import.meta.url));

/** A comma-separated list of URLs; empty or unset: undefined. */
const urlList = () =>
  z
    .string()
    .optional()
    .transform((v) =>
      v
        ? v
            .split(",")
            .map((u) => u.trim())
            .filter(Boolean)
        : undefined,
    );

/** Environment every subgraph reads (validated in each subgraph's config.ts). */
export function subgraphEnv(defaultPort: number) {
  return {
    ...baseEnv,
    PORT: envPort(defaultPort),
    /** Metrics listener (GET /metrics only), bound to METRICS_HOST: 9401 for 4001 and so on; 0 when PORT is 0. */
    METRICS_PORT: envPort(defaultPort + 5400),
    /** json (default) or pretty; pretty is honoured in development only (it costs a worker thread). */
    LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
    DATABASE_URL: envUrl(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR),
    /** false: a migration Job applies migrations; the service only checks none is pending (see openDatabase). */
    MIGRATE_ON_START: envBoolean(true),
    SEED: envBoolean(false).optional(),
    JWT_ISSUER: z.string().min(1).default("https://shopgraph.dev/users"),
    JWT_AUDIENCE: z.string().min(1).default("shopgraph"),
    /** Clock tolerance, revocation poll interval and (without Redis) the users revocation feed. */
    ...authEnv,
    /** Service-to-service credential, "current[,previous]": the first is sent, both are accepted. */
    SERVICE_TOKEN: envTokenList("SERVICE_TOKEN"),
    /** The gateway's credential, "current[,previous]": accepted on every request, never grants service-only fields. */
    GATEWAY_TOKEN: envTokenList("GATEWAY_TOKEN"),
    ...subgraphLimitsEnv,
    /** Without Redis, producers push events over HTTP to these inboxes (default: notifications on 4004). */
    EVENTS_PUSH_URLS: urlList(),
    /**
     * Without Redis, the gateways' live-events endpoints (`POST /internal/live-events`): events are
     * also pushed there, best effort, for their subscriptions. Unset: none (`pnpm start` sets it).
     */
    LIVE_EVENTS_URLS: urlList(),
    /** When Redis lost published events (restarted empty), producers re-publish rows published this recently; 0: never. */
    EVENTS_REPLAY_WINDOW_MS: envInt(60 * 60_000, 0),
    /**
     * Producers: the database session their outbox relay LISTENs on, to publish as soon as a row
     * commits. Default DATABASE_URL; point it at the server itself when DATABASE_URL goes through a
     * transaction-mode PgBouncer (which cannot hold LISTEN). The relay polls as the fallback either way.
     */
    OUTBOX_LISTEN_URL: envUrl(),
  };
}

/**
 * Development-only service credential, shared by every subgraph so a local stack works without
 * setup. Production must configure its own (checked by {@link checkServiceToken}).
 */
export const DEV_SERVICE_TOKEN = "dev-service-token-change-me-please-0000";

export { DEV_GATEWAY_TOKEN };

type TokenEnv = { NODE_ENV: string; SERVICE_TOKEN?: string[] | undefined; GATEWAY_TOKEN?: string[] | undefined };

/** Production needs real credentials: present, not the development defaults, and two different secrets. */
export function checkServiceToken(env: TokenEnv, ctx: z.RefinementCtx): void {
  if (env.NODE_ENV !== "production") return;
  for (const [name, tokens, dev] of [
    ["SERVICE_TOKEN", env.SERVICE_TOKEN, DEV_SERVICE_TOKEN],
    ["GATEWAY_TOKEN", env.GATEWAY_TOKEN, DEV_GATEWAY_TOKEN],
  ] as const) {
    if (!tokens) ctx.addIssue({ code: "custom", path: [name], message: "required in production" });
    else if (tokens.includes(dev))
      ctx.addIssue({ code: "custom", path: [name], message: "the development default must not be used in production" });
  }
  // One secret for both would hand the internet-facing gateway the service-only fields.
  if (env.SERVICE_TOKEN?.some((t) => env.GATEWAY_TOKEN?.includes(t)))
    ctx.addIssue({ code: "custom", path: ["GATEWAY_TOKEN"], message: "must differ from SERVICE_TOKEN" });
}

/**
 * Fills the derived settings every subgraph shares: seeding default, the service credential to
 * send (`SERVICE_TOKEN`: the list's first) and the credentials accepted (`ACCEPTED_CREDENTIALS`).
 */
export function finishSubgraphConfig<T extends TokenEnv & { PORT: number; METRICS_PORT: number }>(
  config: T,
  raw: NodeJS.ProcessEnv,
) {
  const { GATEWAY_TOKEN, ...rest } = config;
  const service = config.SERVICE_TOKEN ?? [DEV_SERVICE_TOKEN];
  const credentials = {
    service: Object.freeze([...service]),
    gateway: Object.freeze([...(GATEWAY_TOKEN ?? [DEV_GATEWAY_TOKEN])]),
  };
  return {
    ...rest,
    SEED: shouldSeed(config, raw),
    SERVICE_TOKEN: service[0]!,
    ACCEPTED_CREDENTIALS: Object.freeze(credentials),
    METRICS_PORT: metricsPort(config, raw),
  };
}

/** Seeding defaults to on in development only; an explicit SEED wins. */
export function shouldSeed(env: { NODE_ENV: string }, raw: NodeJS.ProcessEnv = process.env): boolean {
  const value = raw.SEED;
  if (value === undefined || value === "") return env.NODE_ENV === "development";
  return value === "true" || value === "1";
}

/**
 * Production never seeds: the demo accounts have published passwords (an ADMIN among them). The
 * first ADMIN comes from the users CLI (`node subgraphs/users/src/cli/create-admin.ts`).
 */
export function checkSeed(env: { NODE_ENV: string; SEED?: boolean | undefined }, ctx: z.RefinementCtx): void {
  if (env.NODE_ENV === "production" && env.SEED === true) {
    const message =
      "SEED=true is refused in production: it would create the demo accounts, whose passwords are public. " +
      "Unset SEED and create the first ADMIN with `node subgraphs/users/src/cli/create-admin.ts --email <email>`";
    ctx.addIssue({ code: "custom", path: ["SEED"], message });
  }
}
