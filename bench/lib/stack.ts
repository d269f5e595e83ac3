import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { provisionDatabase, provisionRedis, type TestDatabase } from "@shopgraph/testing";
import { cpuOf } from "./procfs.ts";
import { BENCH_GATEWAY_TOKEN, BENCH_SERVICE_TOKEN } from "./credentials.ts";
import { ask, httpOk, readCounters, startChild, waitUntil, type Child, type ProbeCounters } from "./processes.ts";

/** The four subgraphs, in the supergraph's names. */
export const SUBGRAPHS = ["users", "products", "orders", "notifications"] as const;
/** One subgraph's name. */
export type SubgraphName = (typeof SUBGRAPHS)[number];

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const PROBE = pathToFileURL(fileURLToPath(new URL("./subgraph-probe.ts", import.meta.url))).href;

/** Whether this tree's products config has the CACHE_ENABLED switch (older ones only have the TTL). */
export const PRODUCTS_CACHE_SWITCH = readFileSync(repo("subgraphs/products/src/config.ts"), "utf8").includes(
  "CACHE_ENABLED",
);

/** Products' environment for its entity cache off or on (on: the default 300 s TTL). */
export function productsCacheEnv(mode: "off" | "on"): Record<string, string> {
  return mode === "off"
    ? { CACHE_ENABLED: "false", CACHE_TTL_SECONDS: "1" }
    : { CACHE_ENABLED: "true", CACHE_TTL_SECONDS: "300" };
}

/** Counters of every subgraph at one moment. */
export type CounterSnapshot = Record<SubgraphName, ProbeCounters>;

/** Options for {@link startSubgraphs}. */
export interface SubgraphStackOptions {
  ports: Record<SubgraphName, number>;
  privateJwks: string;
  logDir: string;
  dataDir: string;
  /** Products' entity cache: off (CACHE_ENABLED=false, and the minimum TTL of 1 s where no switch exists) or on. */
  productsCache: "off" | "on";
}

/**
 * The four real subgraphs, each in its own process (as deployed), started from their own entry
 * files over fresh databases on the real PostgreSQL and a private key prefix on the real Redis,
 * seeded with the demo data. A preloaded probe counts requests and SQL statements in each.
 */
export async function startSubgraphs(options: SubgraphStackOptions) {
  const redis = await provisionRedis();
  if (!redis.url) throw new Error("the bench needs a real Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379)");
  const databases: TestDatabase[] = await Promise.all(
    SUBGRAPHS.map((name) => provisionDatabase(name, repo(`subgraphs/${name}/prisma/migrations`))),
  );
  if (databases.some((db) => db.embedded)) throw new Error("the bench needs a real PostgreSQL (TEST_DATABASE_URL)");
  const url = (name: SubgraphName) => `http://127.0.0.1:${options.ports[name]}`;
  const envFor = (name: SubgraphName, i: number): Record<string, string> => ({
    NODE_ENV: "test",
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    PORT: String(options.ports[name]),
    // The bench never scrapes; an ephemeral metrics port cannot collide with a running stack.
    METRICS_PORT: "0",
    SEED: "true",
    DATA_DIR: options.dataDir,
    DATABASE_URL: databases[i]!.url,
    DATABASE_POOL_MAX: "10",
    SERVICE_TOKEN: BENCH_SERVICE_TOKEN,
    GATEWAY_TOKEN: BENCH_GATEWAY_TOKEN,
    REDIS_URL: redis.url!,
    REDIS_KEY_PREFIX: redis.prefix,
    JWKS_URL: `${url("users")}/.well-known/jwks.json`,
    ...(name === "users" ? { JWT_PRIVATE_KEYS: options.privateJwks } : {}),
    ...(name === "orders" ? { PRODUCTS_URL: `${url("products")}/graphql` } : {}),
    ...(name === "products" ? productsCacheEnv(options.productsCache) : {}),
  });
  const start = async (name: SubgraphName, env: Record<string, string>, execArgv: string[] = []) => {
    const child = startChild({
      name,
      entry: repo(`subgraphs/${name}/src/index.ts`),
      execArgv: ["--import", PROBE, ...execArgv],
      env,
      logDir: options.logDir,
    });
    await waitUntil(child, () => httpOk(`${url(name)}/readyz`), 120_000);
    return child;
  };
  const children = {} as Record<SubgraphName, Child>;
  const envs = {} as Record<SubgraphName, Record<string, string>>;
  try {
    await Promise.all(
      SUBGRAPHS.map(async (name, i) => {
        envs[name] = envFor(name, i);
        children[name] = await start(name, envs[name]);
      }),
    );
  } catch (error) {
    await Promise.all(Object.values(children).map((c) => c.stop()));
    await Promise.all(databases.map((db) => db.drop()));
    await redis.cleanup();
    throw error;
  }
  return {
    urls: Object.fromEntries(SUBGRAPHS.map((n) => [n, `${url(n)}/graphql`])) as Record<SubgraphName, string>,
    databases: Object.fromEntries(SUBGRAPHS.map((n, i) => [n, databases[i]!.url])) as Record<SubgraphName, string>,
    redis,
    /** Request and statement counters of every subgraph. */
    async counters(): Promise<CounterSnapshot> {
      const entries = await Promise.all(SUBGRAPHS.map(async (n) => [n, await readCounters(children[n])] as const));
      return Object.fromEntries(entries) as CounterSnapshot;
    },
    /** CPU ms used so far by all four subgraph processes. */
    cpuMs: () => cpuOf(SUBGRAPHS.map((n) => children[n].pid)),
    /** The live pid of one subgraph (it changes when products is restarted). */
    pidOf: (name: SubgraphName) => children[name].pid,
    /** Starts a CPU profile in every subgraph (inspector, via the probe). */
    async startProfiles() {
      await Promise.all(SUBGRAPHS.map((n) => ask(children[n], { type: "profile-start" }, "profile-started")));
    },
    /** Stops the profiles and writes `<dir>/<name>.cpuprofile` for each subgraph. */
    async stopProfiles(dir: string) {
      await Promise.all(
        SUBGRAPHS.map((n) =>
          ask(children[n], { type: "profile-stop", path: `${dir}/${n}.cpuprofile` }, "profile-stopped", 60_000),
        ),
      );
    },
    /**
     * Restarts subgraphs on their ports (gateways keep their URLs) with extra environment and
     * Node flags, e.g. another entity-cache TTL or `--cpu-prof`. Seeding is off: the data stays.
     */
    async restart(names: readonly SubgraphName[], env: Record<string, string> = {}, execArgv: string[] = []) {
      await Promise.all(names.map((n) => children[n].stop()));
      await Promise.all(
        names.map(async (n) => {
          envs[n] = { ...envs[n], ...env, SEED: "false" };
          children[n] = await start(n, envs[n], execArgv);
        }),
      );
    },
    async close() {
      await Promise.all(SUBGRAPHS.map((n) => children[n].stop()));
      await Promise.all(databases.map((db) => db.drop().catch(() => {})));
      await redis.cleanup();
    },
  };
}

/** A running subgraph stack. */
export type SubgraphStack = Awaited<ReturnType<typeof startSubgraphs>>;

/** Per-operation subgraph work between two snapshots. */
export function counterDelta(before: CounterSnapshot, after: CounterSnapshot) {
  const per = {} as Record<SubgraphName, ProbeCounters>;
  let requests = 0;
  let sql = 0;
  for (const n of SUBGRAPHS) {
    per[n] = {
      requests: after[n].requests - before[n].requests,
      serviceRequests: after[n].serviceRequests - before[n].serviceRequests,
      sql: after[n].sql - before[n].sql,
      sqlInRequest: after[n].sqlInRequest - before[n].sqlInRequest,
    };
    requests += per[n].requests;
    sql += per[n].sql;
  }
  return { per, requests, sql };
}
