import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JWK } from "jose";
import { clientIpOf, identifyCaller, SERVICE_TOKEN_HEADER } from "@shopgraph/auth";
import { sendJson } from "@shopgraph/http";
import { createRedis } from "@shopgraph/kv";
import type { Logger } from "@shopgraph/logger";
import { startSubgraph, type RunningSubgraph } from "@shopgraph/subgraph-kit";
import { DEV_OAUTH_COOKIE_KEY, loginThrottleSettings, type UsersConfig } from "./config.ts";
import { createUsersContext } from "./context.ts";
import { createDb, type Db } from "./db/client.ts";
import { createLoginThrottle } from "./domain/login-throttle.ts";
import { importSigningKeys, loadOrCreateDevKeys } from "./domain/signing-keys.ts";
import { observeLoginThrottle } from "./login-metrics.ts";
import { createOAuthServer } from "./oauth/oauth-server.ts";
import { resolvers } from "./resolvers/index.ts";
import { revocationFeedRoute } from "./revocation-feed.ts";
import { seedUsersDatabase } from "./seed.ts";
import { createSocialLoginDeps } from "./oidc/social-login-setup.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const typeDefs = readFileSync(here("./schema.graphql"), "utf8");
const headerValue = (value: string | string[] | undefined) => (typeof value === "string" ? value : undefined);

/** What the users subgraph is started with besides its config (the same shape as the gateway's deps). */
export interface UsersDeps {
  logger: Logger;
}

/** A running users subgraph. */
export type UsersSubgraph = RunningSubgraph<Db, object>;

/** Loads signing keys, publishes revocations, throttles failed logins, and serves the users subgraph. */
export async function startUsersSubgraph(config: UsersConfig, deps: UsersDeps): Promise<UsersSubgraph> {
  const { logger } = deps;
  return startSubgraph({
    name: "users",
    config,
    logger,
    migrationsDir: here("../prisma/migrations"),
    typeDefs,
    resolvers,
    createDb,
    producer: true,
    seed: seedUsersDatabase,
    // Users publishes revocations; a revocation must outlive every token it covers.
    revocations: {
      role: "publisher",
      tokenLifetimeMs: (config.ACCESS_TOKEN_TTL_SECONDS + config.JWT_CLOCK_TOLERANCE_SECONDS) * 1000,
    },
    setup: async ({ db, revocations }) => {
      const keys = config.JWT_PRIVATE_KEYS
        ? await importSigningKeys(JSON.parse(config.JWT_PRIVATE_KEYS) as JWK[])
        : await loadOrCreateDevKeys(join(config.DATA_DIR, "keys", "users-signing-keys.json"));
      const tokens = {
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
        refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
      };
      const sessions = { db, keys, revocations, tokens };
      // Failed-login counters are shared by every users replica through Redis (in-process without it).
      const throttleRedis = config.REDIS_URL
        ? createRedis(config.REDIS_URL, { commandTimeoutMs: config.LOGIN_THROTTLE_TIMEOUT_MS })
        : undefined;
      const throttle = createLoginThrottle(loginThrottleSettings(config), {
        redis: throttleRedis,
        keyPrefix: config.REDIS_KEY_PREFIX,
      });
      const accounts = {
        ...sessions,
        passwordPolicy: { minScore: config.PASSWORD_MIN_SCORE },
        throttle: observeLoginThrottle(throttle, logger),
      };
      // Social login's flows share the throttle's Redis client (and its outage guard).
      const social = createSocialLoginDeps(config, sessions, throttleRedis, logger);
      const isCredentialed = (req: { headers: Record<string, string | string[] | undefined> }) =>
        identifyCaller(headerValue(req.headers[SERVICE_TOKEN_HEADER]), config.ACCEPTED_CREDENTIALS) !== null;
      // Third-party apps (OAuth 2.0 authorization server), reached through the gateway's /oauth/* forward.
      const oauth = createOAuthServer(
        {
          issuer: config.OAUTH_ISSUER,
          audience: config.JWT_AUDIENCE,
          cookieKeys: config.OAUTH_COOKIE_KEYS ?? [DEV_OAUTH_COOKIE_KEY],
          accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
          refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
        },
        { db, keys, accounts, revocations, clientIp: (req) => clientIpOf(req, isCredentialed(req)), logger },
      );
      return {
        // Users verifies with its own keys.
        jwks: keys.jwks,
        createContext: (base) => createUsersContext(base, sessions, accounts, social),
        routes: {
          // Public keys only; verifiers cache them, so a short max-age keeps rotation quick.
          "GET /.well-known/jwks.json": (_req, res) =>
            sendJson(res, 200, keys.jwks, { "cache-control": "public, max-age=300" }),
          ...oauth.routes,
          // Without Redis the other processes poll this process's revocations (gateway or service credential).
          ...(revocations.store?.kind === "memory"
            ? { "GET /revocations": revocationFeedRoute(revocations.store, isCredentialed) }
            : {}),
        },
        prefixRoutes: oauth.prefixRoutes,
        start: () => oauth.startSweeping(),
        beforeDrain: () => oauth.stopSweeping(),
        afterDrain: () => throttleRedis?.disconnect(),
        handle: {},
      };
    },
  });
}
