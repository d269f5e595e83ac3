import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JWK } from "jose";
import { createAccessTokenVerifier, identifyCaller, SERVICE_TOKEN_HEADER, startRevocations } from "@shopgraph/auth";
import { sendJson } from "@shopgraph/http";
import type { Logger } from "@shopgraph/logger";
import { createSubgraphServer, subgraphHttpOptions, subgraphLimits, openDatabase, startProducerRelay, traceOutboxWrites } from "@shopgraph/subgraph-kit";
import { loginThrottleSettings, type UsersConfig } from "./config.ts";
import { createUsersContext } from "./context.ts";
import { createDb, type Db } from "./db/client.ts";
import { importSigningKeys, loadOrCreateDevKeys } from "./domain/signing-keys.ts";
import { permissions } from "./permissions.ts";
import { resolvers } from "./resolvers/index.ts";
import { revocationFeedRoute } from "./revocation-feed.ts";
import { seedUsersDatabase } from "./seed.ts";
import { createLoginThrottle } from "./domain/login-throttle.ts";
import { observeLoginThrottle } from "./login-metrics.ts";
import { createRedis } from "@shopgraph/kv";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const typeDefs = readFileSync(here("./schema.graphql"), "utf8");
const headerValue = (value: string | string[] | undefined) => (typeof value === "string" ? value : undefined);

/** A running users subgraph. */
export interface UsersSubgraph {
  url: string;
  /** The metrics listener (GET /metrics), never on the public port. */
  metricsUrl: string | undefined;
  db: Db;
  close(): Promise<void>;
}

/** Opens the database, loads signing keys, seeds if asked, and starts serving. */
export async function startUsersSubgraph(config: UsersConfig, logger: Logger): Promise<UsersSubgraph> {
  const database = await openDatabase({ service: "users", databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, migrationsDir: here("../prisma/migrations"), logger, poolMax: config.DATABASE_POOL_MAX, migrate: config.MIGRATE_ON_START });
  // Outbox rows written by the domain carry the request's trace context to the consumers.
  const db = traceOutboxWrites(createDb(database.url, database.poolMax));
  const keys = config.JWT_PRIVATE_KEYS
    ? await importSigningKeys(JSON.parse(config.JWT_PRIVATE_KEYS) as JWK[])
    : await loadOrCreateDevKeys(join(config.DATA_DIR, "keys", "users-signing-keys.json"));
  if (config.SEED) await seedUsersDatabase(db, logger);
  // Users publishes revocations; a revocation must outlive every token it covers.
  const revocations = await startRevocations(config, { role: "publisher", logger, tokenLifetimeMs: (config.ACCESS_TOKEN_TTL_SECONDS + config.JWT_CLOCK_TOLERANCE_SECONDS) * 1000 });
  const sessions = {
    db,
    keys,
    revocations,
    tokens: { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS, refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS },
  };
  // Failed-login counters are shared by every users replica through Redis (in-process without it).
  const throttleRedis = config.REDIS_URL ? createRedis(config.REDIS_URL, { commandTimeoutMs: config.LOGIN_THROTTLE_TIMEOUT_MS }) : undefined;
  const throttle = createLoginThrottle(loginThrottleSettings(config), { redis: throttleRedis, keyPrefix: config.REDIS_KEY_PREFIX });
  const accounts = { ...sessions, passwordPolicy: { minScore: config.PASSWORD_MIN_SCORE }, throttle: observeLoginThrottle(throttle, logger) };
  const { http } = await createSubgraphServer({
    name: "users",
    typeDefs,
    resolvers,
    permissions,
    logger,
    verifyAccessToken: createAccessTokenVerifier({ jwks: keys.jwks, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS, revocations }),
    credentials: config.ACCEPTED_CREDENTIALS,
    limits: subgraphLimits(config),
    createContext: (base) => createUsersContext(base, sessions, accounts),
    production: config.NODE_ENV === "production",
    http: subgraphHttpOptions(config),
    isReady: async () => (await db.$queryRaw`SELECT 1`, true),
    routes: {
      // Public keys only; verifiers cache them, so a short max-age keeps rotation quick.
      "GET /.well-known/jwks.json": (_req, res) => sendJson(res, 200, keys.jwks, { "cache-control": "public, max-age=300" }),
      // Without Redis the other processes poll this process's revocations (gateway or service credential).
      ...(revocations.store?.kind === "memory"
        ? { "GET /revocations": revocationFeedRoute(revocations.store, (req) => identifyCaller(headerValue(req.headers[SERVICE_TOKEN_HEADER]), config.ACCEPTED_CREDENTIALS) !== null) }
        : {}),
    },
  });
  const relay = startProducerRelay("users", db, config, logger);
  const { url, metricsUrl } = await http.listen(config.PORT, config.HOST);
  logger.info({ url: `${url}/graphql`, embeddedDatabase: database.embedded }, "users subgraph ready");
  return {
    url,
    metricsUrl,
    db,
    async close() {
      await http.close(config.SHUTDOWN_GRACE_MS, config.SHUTDOWN_DRAIN_DELAY_MS);
      await relay.close();
      await revocations.stop();
      throttleRedis?.disconnect();
      await db.$disconnect();
      await database.close();
    },
  };
}
