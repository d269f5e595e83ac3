import { envInt, envUrl, loadConfig, z } from "@shopgraph/config";
import { checkSeed, checkServiceToken, finishSubgraphConfig, subgraphEnv } from "@shopgraph/subgraph-kit";

/** Default of STOREFRONT_URL: the storefront's development server. */
export const DEFAULT_STOREFRONT_URL = "http://localhost:3000";

const SMTP_PROTOCOLS = new Set(["smtp:", "smtps:"]);

const schema = z
  .object({
    ...subgraphEnv(4004),
    /** Where users publishes its public keys. Required in production. */
    JWKS_URL: envUrl(),
    /** Tries per consumed event before it goes to the dead letters. */
    EVENTS_MAX_ATTEMPTS: envInt(5),
    /** First event-retry delay; doubles per attempt (with jitter) up to 5 min. */
    EVENTS_RETRY_BASE_MS: envInt(1_000),
    /** A claimed event untouched this long belongs to a crashed instance and is taken over. */
    EVENTS_CLAIM_IDLE_MS: envInt(30_000, 50),
    /** Poll interval of the event consumer and the delivery sender when idle. */
    EVENTS_POLL_MS: envInt(1_000, 10),
    /** Tries per email/SMS before the delivery is DEAD_LETTERED. */
    DELIVERY_MAX_ATTEMPTS: envInt(5),
    /** First delivery-retry delay; doubles per attempt (with jitter) up to 1 h, so outages are ridden out. */
    DELIVERY_RETRY_BASE_MS: envInt(60_000),
    /** Optional SMTP server: smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465 (TLS). Unset: emails are recorded, not sent. */
    SMTP_URL: envUrl(),
    /** From header of every email. */
    EMAIL_FROM: z.string().min(3).default("Shopgraph <no-reply@shopgraph.dev>"),
    /** The storefront the emails link to (`<STOREFRONT_URL>/orders/<id>`). Default {@link DEFAULT_STOREFRONT_URL}. */
    STOREFRONT_URL: envUrl(),
    /** api: GraphQL only; worker: event consumer and delivery sender only; all (default): both in one process. */
    NOTIFICATIONS_ROLE: z.enum(["api", "worker", "all"]).default("all"),
  })
  .superRefine((env, ctx) => {
    checkServiceToken(env, ctx);
    checkSeed(env, ctx);
    // Zod still runs this refinement when a field already failed: only look at parsable URLs.
    if (env.SMTP_URL && URL.canParse(env.SMTP_URL) && !SMTP_PROTOCOLS.has(new URL(env.SMTP_URL).protocol)) {
      ctx.addIssue({ code: "custom", path: ["SMTP_URL"], message: "must start with smtp:// or smtps://" });
    }
    if (env.STOREFRONT_URL && URL.canParse(env.STOREFRONT_URL) && !/^https?:$/.test(new URL(env.STOREFRONT_URL).protocol)) {
      ctx.addIssue({ code: "custom", path: ["STOREFRONT_URL"], message: "must be an http(s) URL" });
    }
    // Without Redis the relays push events to this process's own inbox route, so API and consumer must be one process.
    if (env.NOTIFICATIONS_ROLE !== "all" && !env.REDIS_URL) {
      ctx.addIssue({ code: "custom", path: ["NOTIFICATIONS_ROLE"], message: "api and worker need REDIS_URL (the embedded inbox is served and consumed by one process)" });
    }
    if (env.NODE_ENV !== "production") return;
    if (!env.JWKS_URL) ctx.addIssue({ code: "custom", path: ["JWKS_URL"], message: "required in production" });
  });

/** The notifications subgraph's validated configuration. */
export type NotificationsConfig = ReturnType<typeof loadNotificationsConfig>;

/** Development default of JWKS_URL: the users subgraph on its default port. */
export const DEFAULT_JWKS_URL = "http://127.0.0.1:4001/.well-known/jwks.json";

/** Reads and validates the environment (the only place notifications reads process.env). */
export function loadNotificationsConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig("notifications", schema, env);
  // Links are built as `${STOREFRONT_URL}/orders/<id>`: no trailing slash, whatever was configured.
  return Object.freeze({ ...finishSubgraphConfig(config, env), JWKS_URL: config.JWKS_URL ?? DEFAULT_JWKS_URL, STOREFRONT_URL: (config.STOREFRONT_URL ?? DEFAULT_STOREFRONT_URL).replace(/\/+$/, "") });
}
