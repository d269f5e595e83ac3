import { readFileSync } from "node:fs";
import { envInt, envUrl, loadConfig, z } from "@shopgraph/config";
import { checkSeed, checkServiceToken, finishSubgraphConfig, subgraphEnv } from "@shopgraph/subgraph-kit";

/** Default of STOREFRONT_URL: the storefront's development server. */
export const DEFAULT_STOREFRONT_URL = "http://localhost:3000";

const SMTP_PROTOCOLS = new Set(["smtp:", "smtps:"]);

/** The fields of a Google service-account key the FCM transport needs (the rest of the file is ignored). */
const ServiceAccountKey = z.object({
  client_email: z.string().min(3),
  private_key: z.string().includes("PRIVATE KEY", { message: "must hold a PEM private key" }),
  private_key_id: z.string().optional(),
  project_id: z.string().optional(),
});

/** A service-account key as JSON text: parsed and checked, never echoed (it is a secret). */
function parseServiceAccount(text: string, ctx: z.RefinementCtx): z.infer<typeof ServiceAccountKey> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: "custom", message: "is not JSON (a Google service-account key file)" });
    return undefined;
  }
  const key = ServiceAccountKey.safeParse(json);
  if (!key.success)
    ctx.addIssue({
      code: "custom",
      message: `is not a service-account key: ${key.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`,
    });
  return key.data;
}

/** An optional service-account key given inline; empty counts as unset. */
const envServiceAccountJson = () =>
  z
    .string()
    .optional()
    .transform((v, ctx) => (v === undefined || v.trim() === "" ? undefined : parseServiceAccount(v, ctx)));

/** An optional service-account key given as a file path (a mounted secret), read at start-up. */
const envServiceAccountFile = () =>
  z
    .string()
    .optional()
    .transform((path, ctx) => {
      if (path === undefined || path.trim() === "") return undefined;
      let text: string;
      try {
        text = readFileSync(path.trim(), "utf8");
      } catch (error) {
        ctx.addIssue({ code: "custom", message: `cannot be read: ${(error as Error).message}` });
        return undefined;
      }
      return parseServiceAccount(text, ctx);
    });

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
    /**
     * Events the consumer handles side by side. Each holds a database connection for its
     * transaction, so it is capped at DATABASE_POOL_MAX − 1 (the API and the sender keep one); the
     * embedded database (one connection) handles one at a time. One order's events stay in order.
     */
    EVENTS_CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
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
    /** Firebase project for push (FCM HTTP v1). Default: the service-account key's project_id. */
    FCM_PROJECT_ID: z.string().trim().min(1).optional(),
    /** Service-account key (JSON text) for FCM. Unset, and no FCM_SERVICE_ACCOUNT_FILE: pushes are recorded, not sent. */
    FCM_SERVICE_ACCOUNT_JSON: envServiceAccountJson(),
    /** Path of the service-account key file for FCM (a mounted secret); instead of FCM_SERVICE_ACCOUNT_JSON. */
    FCM_SERVICE_ACCOUNT_FILE: envServiceAccountFile(),
    /** Base URL of the FCM API (tests: a local server). */
    FCM_ENDPOINT: envUrl(),
    /** OAuth 2.0 token endpoint of the JWT bearer grant (tests: a local server). */
    FCM_TOKEN_URL: envUrl(),
    /** Bound on each FCM token request and send (ms). */
    FCM_TIMEOUT_MS: envInt(10_000, 100),
    /** Push devices a user keeps; registering one more drops their oldest. */
    PUSH_MAX_DEVICES_PER_USER: envInt(10),
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
    if (
      env.STOREFRONT_URL &&
      URL.canParse(env.STOREFRONT_URL) &&
      !/^https?:$/.test(new URL(env.STOREFRONT_URL).protocol)
    ) {
      ctx.addIssue({ code: "custom", path: ["STOREFRONT_URL"], message: "must be an http(s) URL" });
    }
    if (env.FCM_SERVICE_ACCOUNT_JSON && env.FCM_SERVICE_ACCOUNT_FILE) {
      ctx.addIssue({
        code: "custom",
        path: ["FCM_SERVICE_ACCOUNT_FILE"],
        message: "set FCM_SERVICE_ACCOUNT_FILE or FCM_SERVICE_ACCOUNT_JSON, not both",
      });
    }
    const key = env.FCM_SERVICE_ACCOUNT_JSON ?? env.FCM_SERVICE_ACCOUNT_FILE;
    if (key && !env.FCM_PROJECT_ID && !key.project_id) {
      ctx.addIssue({
        code: "custom",
        path: ["FCM_PROJECT_ID"],
        message: "required: the service-account key names no project_id",
      });
    }
    if (env.FCM_PROJECT_ID && !key) {
      ctx.addIssue({
        code: "custom",
        path: ["FCM_PROJECT_ID"],
        message: "needs FCM_SERVICE_ACCOUNT_FILE or FCM_SERVICE_ACCOUNT_JSON",
      });
    }
    // Without Redis the relays push events to this process's own inbox route, so API and consumer must be one process.
    if (env.NOTIFICATIONS_ROLE !== "all" && !env.REDIS_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["NOTIFICATIONS_ROLE"],
        message: "api and worker need REDIS_URL (the embedded inbox is served and consumed by one process)",
      });
    }
    if (env.NODE_ENV !== "production") return;
    if (!env.JWKS_URL) ctx.addIssue({ code: "custom", path: ["JWKS_URL"], message: "required in production" });
  });

/** The notifications subgraph's validated configuration. */
export type NotificationsConfig = ReturnType<typeof loadNotificationsConfig>;

/** Development default of JWKS_URL: the users subgraph on its default port. */
export const DEFAULT_JWKS_URL = "http://127.0.0.1:4001/.well-known/jwks.json";

/** The FCM transport's settings; null when no service account is configured (pushes are recorded). */
function fcmSettings(config: z.infer<typeof schema>) {
  const { FCM_SERVICE_ACCOUNT_JSON: json, FCM_SERVICE_ACCOUNT_FILE: file } = config;
  const key = json ?? file;
  const projectId = config.FCM_PROJECT_ID ?? key?.project_id;
  if (!key || !projectId) return null;
  const serviceAccount = {
    client_email: key.client_email,
    private_key: key.private_key,
    ...(key.private_key_id ? { private_key_id: key.private_key_id } : {}),
  };
  return Object.freeze({
    projectId,
    serviceAccount,
    endpoint: config.FCM_ENDPOINT,
    tokenUrl: config.FCM_TOKEN_URL,
    timeoutMs: config.FCM_TIMEOUT_MS,
  });
}

/** Reads and validates the environment (the only place notifications reads process.env). */
export function loadNotificationsConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig("notifications", schema, env);
  // Links are built as `${STOREFRONT_URL}/orders/<id>`: no trailing slash, whatever was configured.
  return Object.freeze({
    ...finishSubgraphConfig(config, env),
    FCM: fcmSettings(config),
    JWKS_URL: config.JWKS_URL ?? DEFAULT_JWKS_URL,
    STOREFRONT_URL: (config.STOREFRONT_URL ?? DEFAULT_STOREFRONT_URL).replace(/\/+$/, ""),
  });
}
