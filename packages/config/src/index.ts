import { z } from "zod";

/** Raised at start-up when the environment is invalid; lists every problem at once. */
export class ConfigError extends Error {
  readonly issues: string[];
  constructor(service: string, issues: string[]) {
    super(`${service}: invalid configuration\n  - ${issues.join("\n  - ")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/**
 * Validates `env` against `schema` and returns a frozen, typed config. Zod collects every issue,
 * so an operator fixes the whole environment in one go instead of one variable per restart.
 */
export function loadConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      service,
      result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`),
    );
  }
  return Object.freeze(result.data);
}

/** "true"/"false"/"1"/"0" from the environment; anything else is an error, not a silent false. */
export const envBoolean = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", ""])
    .optional()
    .transform((v) => (v === undefined || v === "" ? fallback : v === "true" || v === "1"));

/** A TCP port; 0 asks the OS for a free one (tests). */
export const envPort = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** A positive integer with a default. */
export const envInt = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

/** An optional http(s)/postgres/redis URL; empty string counts as unset. */
export const envUrl = () =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()))
    .pipe(z.url().optional());

/**
 * A rotating shared secret: "current" or "current,other" (at most two, each ≥ 32 characters).
 * The first is the one a process sends; every entry is accepted. Empty counts as unset.
 */
export const envTokenList = (name: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return undefined;
      const tokens = v.split(",").map((t) => t.trim());
      if (tokens.length > 2)
        ctx.addIssue({ code: "custom", message: `${name} holds at most two tokens (current,previous)` });
      if (tokens.some((t) => t.length < 32))
        ctx.addIssue({ code: "custom", message: `${name} must be at least 32 characters (each, if a comma list)` });
      return tokens;
    });

/** Variables every Shopgraph process reads. */
export const baseEnv = {
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  HOST: z.string().min(1).default("127.0.0.1"),
  REDIS_URL: envUrl(),
  REDIS_KEY_PREFIX: z.string().default("sg:"),
  /** Deadline of one request-path Redis command (rate limits, APQ, caches); past it the feature fails open. */
  REDIS_COMMAND_TIMEOUT_MS: envInt(50),
  SHUTDOWN_GRACE_MS: envInt(10_000),
  /** On SIGTERM, keep serving (answering `connection: close`, /readyz 503) up to this long, ending early once quiet. */
  SHUTDOWN_DRAIN_DELAY_MS: envInt(1_000, 0),
  /** Time a client has to send its request headers (slowloris); Node's own default is 60 s. */
  HEADERS_TIMEOUT_MS: envInt(10_000),
  /** Time a client has to send its whole request, body included; Node's own default is 300 s. */
  REQUEST_TIMEOUT_MS: envInt(30_000),
  /** Interface of the metrics listener (METRICS_PORT): internal by default, never the public port. */
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  /** Optional bearer token Prometheus must send to scrape /metrics; unset: no token (rely on the bind). */
  METRICS_TOKEN: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? undefined : v))
    .pipe(z.string().min(16, "METRICS_TOKEN must be at least 16 characters").optional()),
};

/**
 * The metrics port: explicit METRICS_PORT wins; otherwise a process on an ephemeral public port
 * (PORT=0, tests) gets an ephemeral metrics port too, so parallel test stacks never collide.
 */
export function metricsPort(config: { PORT: number; METRICS_PORT: number }, raw: NodeJS.ProcessEnv): number {
  if (raw.METRICS_PORT !== undefined && raw.METRICS_PORT.trim() !== "") return config.METRICS_PORT;
  return config.PORT === 0 ? 0 : config.METRICS_PORT;
}

export { z };

/** Loads config at a process entry point; an invalid environment prints every issue and exits 1. */
export function configOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
