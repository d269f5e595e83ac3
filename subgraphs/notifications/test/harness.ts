import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import {
  createTestIssuer,
  gql,
  provisionDatabase,
  testLogger,
  type GqlOptions,
  type TestDatabase,
} from "@shopgraph/testing";
import { startNotificationsSubgraph, type NotificationsDeps } from "../src/app.ts";
import { loadNotificationsConfig } from "../src/config.ts";

/** Migrations of the notifications subgraph (tests migrate with the project's own runner). */
export const NOTIFICATIONS_MIGRATIONS = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

/** Fast retry and poll settings so fault tests finish quickly (nothing asserts timings). */
const FAST_ENV = { EVENTS_POLL_MS: "50", EVENTS_RETRY_BASE_MS: "20", DELIVERY_RETRY_BASE_MS: "20" };

/** Starts a notifications subgraph on an ephemeral port over its own fresh, seeded database. */
export async function startTestNotifications(
  options: {
    env?: Record<string, string>;
    deps?: Omit<NotificationsDeps, "logger">;
    sharedDatabase?: TestDatabase;
  } = {},
) {
  // A second instance over the same database (horizontal scaling tests) leaves dropping it to the first.
  const database = options.sharedDatabase ?? (await provisionDatabase("notifications", NOTIFICATIONS_MIGRATIONS));
  const issuer = await createTestIssuer({ issuer: "https://shopgraph.dev/users", audience: "shopgraph" });
  const config = loadNotificationsConfig({
    NODE_ENV: "test",
    PORT: "0",
    DATABASE_URL: database.url,
    DATABASE_POOL_MAX: String(database.poolMax),
    SEED: "true",
    ...FAST_ENV,
    ...options.env,
  });
  const subgraph = await startNotificationsSubgraph(config, {
    logger: testLogger("notifications"),
    jwks: issuer.jwks,
    ...options.deps,
  });
  const graphqlUrl = `${subgraph.url}/graphql`;
  return {
    ...subgraph,
    graphqlUrl,
    config,
    database,
    /** A valid access token for `sub` (default: a fresh user id). */
    token: (sub: string = randomUUID(), role: "CUSTOMER" | "ADMIN" = "CUSTOMER") => issuer.sign({ sub, role }),
    query: (query: string, opts: GqlOptions = {}) => gql(graphqlUrl, query, opts),
    async close() {
      await subgraph.close();
      if (!options.sharedDatabase) await database.drop();
    },
  };
}

/** Polls `check` every `intervalMs` until it returns a truthy value (or throws after `timeoutMs`); no timing is asserted. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  what: string,
  timeoutMs = 20_000,
  intervalMs = 25,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
