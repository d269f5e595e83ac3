import { envInt, envTokenList, loadConfig, z } from "@shopgraph/config";
import type { LoginThrottleSettings } from "./domain/login-throttle.ts";
import { checkOidcEnv, oidcProvidersEnv, oidcRedirectUrisEnv, type OidcSettings } from "./oidc/oidc-settings.ts";
import { checkSeed, checkServiceToken, finishSubgraphConfig, subgraphEnv } from "@shopgraph/subgraph-kit";

const schema = z
  .object({
    ...subgraphEnv(4001),
    /** JSON array of private JWKs (Ed25519, each with a kid); the first signs. Required in production. */
    JWT_PRIVATE_KEYS: z.string().optional(),
    ACCESS_TOKEN_TTL_SECONDS: envInt(900, 60),
    REFRESH_TOKEN_TTL_SECONDS: envInt(30 * 24 * 3600, 3600),
    /** Lowest zxcvbn score (0–4) a new password needs; 3 is zxcvbn's "safely unguessable". */
    PASSWORD_MIN_SCORE: z.coerce.number().int().min(0).max(4).default(3),
    /** Failed logins from one IP against one account before that pair is locked. */
    LOGIN_MAX_FAILURES_PER_ACCOUNT_IP: envInt(10, 2),
    LOGIN_ACCOUNT_IP_LOCK_SECONDS: envInt(900),
    /** Failed logins from all IPs against one account before the account is locked (the owner's known IPs excepted). */
    LOGIN_MAX_FAILURES_PER_ACCOUNT: envInt(30, 2),
    /** Short on purpose: anyone can trigger this lock, so it must not shut the owner out for long. */
    LOGIN_ACCOUNT_LOCK_SECONDS: envInt(300),
    /** Failures are counted within this window from the first one. */
    LOGIN_FAILURE_WINDOW_SECONDS: envInt(900),
    /** Failures from one IP before each further failure makes it wait 1 s, 2 s, 4 s … */
    LOGIN_FREE_FAILURES: envInt(3, 0),
    LOGIN_MAX_DELAY_SECONDS: envInt(30),
    /**
     * An IP the owner signed in from stays exempt from the account-wide lock this many days. At most
     * 24: the in-process limiter expires keys with setTimeout, which Node caps at 2^31 ms (24.8 days).
     */
    LOGIN_KNOWN_IP_DAYS: envInt(21).pipe(z.number().max(24)),
    /**
     * Deadline of each throttle call to Redis; past it the in-process counters answer. Longer than
     * REDIS_COMMAND_TIMEOUT_MS: a login already pays ~50 ms of argon2, and every fallback under load
     * makes a lock decision on this replica's counters alone.
     */
    LOGIN_THROTTLE_TIMEOUT_MS: envInt(250),
    /**
     * OAuth authorization server (apps): keys signing its cookies, "current[,previous]" (≥ 32 chars each,
     * the same on every replica); the first also keys the consent form's CSRF tokens. Required in production.
     */
    OAUTH_COOKIE_KEYS: envTokenList("OAUTH_COOKIE_KEYS"),
    /** Social login: JSON list of OpenID providers [{ id, name, issuer, clientId, clientSecret }] (README "Sign in with …"). */
    OIDC_PROVIDERS: oidcProvidersEnv,
    /** Comma-separated redirect URIs social login may send the browser back to (exact match). */
    OIDC_REDIRECT_URIS: oidcRedirectUrisEnv,
    /** Deadline of each call to a provider (discovery, keys, token endpoint): a dead provider is a userError this fast. */
    OIDC_HTTP_TIMEOUT_MS: envInt(5_000, 100),
    /** How long a started social login (state, nonce, PKCE verifier) may wait for its completion. */
    OIDC_FLOW_TTL_SECONDS: envInt(600, 30),
  })
  .superRefine((env, ctx) => {
    checkServiceToken(env, ctx);
    checkSeed(env, ctx);
    checkOidcEnv(env, ctx);
    if (env.JWT_PRIVATE_KEYS) {
      try {
        const keys: unknown = JSON.parse(env.JWT_PRIVATE_KEYS);
        if (!Array.isArray(keys) || keys.length === 0) throw new Error("not a non-empty array");
      } catch {
        ctx.addIssue({ code: "custom", path: ["JWT_PRIVATE_KEYS"], message: "must be a JSON array of private JWKs" });
      }
    }
    if (env.NODE_ENV !== "production") return;
    if (!env.JWT_PRIVATE_KEYS)
      ctx.addIssue({ code: "custom", path: ["JWT_PRIVATE_KEYS"], message: "required in production" });
    const cookieKeys = (message: string) => ctx.addIssue({ code: "custom", path: ["OAUTH_COOKIE_KEYS"], message });
    if (!env.OAUTH_COOKIE_KEYS) cookieKeys("required in production");
    else if (env.OAUTH_COOKIE_KEYS.includes(DEV_OAUTH_COOKIE_KEY))
      cookieKeys("the development default must not be used in production");
  });

/** The users subgraph's validated configuration. */
export type UsersConfig = ReturnType<typeof loadUsersConfig>;

/** Reads and validates the environment (the only place users reads process.env). */
export function loadUsersConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig("users", schema, env);
  return Object.freeze(finishSubgraphConfig(config, env));
}

/** Development-only cookie key of the OAuth authorization server; production must set OAUTH_COOKIE_KEYS. */
export const DEV_OAUTH_COOKIE_KEY = "dev-oauth-cookie-key-change-me-0000000";

/** The failed-login throttle's settings (LOGIN_*). */
export function loginThrottleSettings(config: UsersConfig): LoginThrottleSettings {
  return {
    maxFailuresPerAccountIp: config.LOGIN_MAX_FAILURES_PER_ACCOUNT_IP,
    accountIpLockSeconds: config.LOGIN_ACCOUNT_IP_LOCK_SECONDS,
    maxFailuresPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
    accountLockSeconds: config.LOGIN_ACCOUNT_LOCK_SECONDS,
    failureWindowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
    freeFailures: config.LOGIN_FREE_FAILURES,
    maxDelaySeconds: config.LOGIN_MAX_DELAY_SECONDS,
    knownIpDays: config.LOGIN_KNOWN_IP_DAYS,
    storeTimeoutMs: config.LOGIN_THROTTLE_TIMEOUT_MS,
  };
}

/** Social login's settings (OIDC_*). */
export function oidcSettings(config: UsersConfig): OidcSettings {
  return {
    providers: config.OIDC_PROVIDERS,
    redirectUris: config.OIDC_REDIRECT_URIS,
    httpTimeoutMs: config.OIDC_HTTP_TIMEOUT_MS,
    flowTtlSeconds: config.OIDC_FLOW_TTL_SECONDS,
  };
}
