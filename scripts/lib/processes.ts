// What `pnpm start` runs: the five processes, their ports and the environment each one gets.
// Pure: everything comes from the `env` argument, so the mapping is unit-tested.
import { createHash } from "node:crypto";
import { GATEWAY_MALLOC_ENV, GATEWAY_NODE_FLAGS } from "../../gateway/src/node-flags.ts";

/** The gateway's embedded-mode live-events endpoint (gateway/src/live/live-events-route.ts; start-ports.e2e proves they agree). */
const LIVE_EVENTS_PATH = "/internal/live-events";

/** The processes the supervisor runs. */
export type ProcessName = "users" | "products" | "orders" | "notifications" | "gateway";

/** The subgraphs, users first: the others fetch its JWKS. */
export const SUBGRAPH_NAMES = [
  "users",
  "products",
  "orders",
  "notifications",
] as const satisfies readonly ProcessName[];

/** Default port of each process (the env var `<NAME>_PORT` overrides it). */
export const DEFAULT_PORTS: Readonly<Record<ProcessName, number>> = {
  gateway: 4000,
  users: 4001,
  products: 4002,
  orders: 4003,
  notifications: 4004,
};

/**
 * Preloaded into every process: starts OpenTelemetry before the entry point's imports are loaded,
 * which ES modules need for pg, ioredis and http to be instrumented (packages/telemetry).
 */
export const TELEMETRY_PRELOAD = "./packages/telemetry/src/register.ts";

/**
 * Node flags of every child outside production (START_NODE_FLAGS replaces them; empty: none), chosen
 * by `pnpm measure:start`. `--liftoff-only`: PGlite is PostgreSQL compiled to a 9 MB wasm module
 * (Prisma's query compiler and Node's type stripper are wasm too); V8's TurboFan recompiling it
 * cost ~350 MB RSS per embedded subgraph and was slower than baseline code for a development
 * workload. `--optimize-for-size` and a 2 MB semi-space trade some throughput for ~50 MB per process.
 */
export const DEV_NODE_FLAGS: readonly string[] = ["--liftoff-only", "--optimize-for-size", "--max-semi-space-size=2"];

/** The children's Node flags: START_NODE_FLAGS (space-separated) when set, else {@link DEV_NODE_FLAGS} outside production. */
export function childNodeFlags(env: NodeJS.ProcessEnv): readonly string[] {
  const configured = env.START_NODE_FLAGS;
  if (configured !== undefined) return configured.split(/\s+/).filter(Boolean);
  return env.NODE_ENV?.trim() === "production" ? [] : DEV_NODE_FLAGS;
}

/**
 * How `pnpm start` runs the supervisor (package.json's `start` script is exactly `node` + these; a
 * test holds them together). The supervisor only spawns, pipes and polls: a 1 MB semi-space and
 * `--optimize-for-size` keep its young generation from growing with the children's log traffic
 * (111 -> 94 MiB RSS measured), and the JavaScript entry turns the compile cache on before the
 * TypeScript sources load (see start.mjs; 94 -> 81 MiB).
 */
export const SUPERVISOR_NODE_ARGS: readonly string[] = [
  "--max-semi-space-size=1",
  "--optimize-for-size",
  "scripts/start.mjs",
];

/**
 * glibc malloc settings of every child outside production (a variable already set wins), chosen by
 * `pnpm measure:start` (~90 MiB PSS less in total, no CPU cost measured). Node's threads (V8 platform,
 * libuv pool, PGlite's I/O) otherwise get up to 8 arenas per core that each keep freed memory; and after
 * a large buffer is freed (argon2's 19 MiB per seeded password, the template initdb) glibc raises its
 * mmap threshold, so later large buffers come from arenas and stay resident. A fixed threshold hands
 * them back to the OS when freed. Other C libraries ignore these variables. They are the gateway's own
 * settings (GATEWAY_MALLOC_ENV, which the gateway keeps in production too): one definition.
 */
export const DEV_MALLOC_ENV: Readonly<Record<string, string>> = GATEWAY_MALLOC_ENV;

/** One child process to run: `node --import <preload> <entry>` with `env`, ready when `readyUrl` answers 200. */
export interface ProcessSpec {
  name: ProcessName;
  entry: string;
  /** Node's arguments: flags (if any), the telemetry preload, then the entry point. */
  args: string[];
  port: number;
  readyUrl: string;
  env: Record<string, string>;
}

/** The whole plan: the subgraphs (users first) and the gateway, with the resolved ports. */
export interface StartPlan {
  subgraphs: ProcessSpec[];
  gateway: ProcessSpec;
  ports: Record<ProcessName, number>;
}

/** The environment variable that overrides a process's port, e.g. `USERS_PORT`. */
export function portVariable(name: ProcessName): string {
  return `${name.toUpperCase()}_PORT`;
}

/** The environment variable giving a subgraph its own database under `pnpm start`, e.g. `USERS_DATABASE_URL`. */
export function databaseVariable(name: ProcessName): string {
  return `${name.toUpperCase()}_DATABASE_URL`;
}

/**
 * The host that reaches a server listening on `host`: a wildcard bind (or none) is reached on
 * loopback, a specific address on itself (bracketed when IPv6, for URLs).
 */
export function connectHost(host: string | undefined): string {
  const value = host?.trim() ?? "";
  if (value === "" || value === "0.0.0.0" || value === "::" || value === "[::]") return "127.0.0.1";
  return value.includes(":") && !value.startsWith("[") ? `[${value}]` : value;
}

/** Reads `<NAME>_PORT` for every process; throws listing every invalid or duplicated port. */
export function readPorts(env: NodeJS.ProcessEnv): Record<ProcessName, number> {
  const problems: string[] = [];
  const ports = { ...DEFAULT_PORTS };
  for (const name of Object.keys(DEFAULT_PORTS) as ProcessName[]) {
    const raw = env[portVariable(name)]?.trim();
    if (raw === undefined || raw === "") continue;
    const port = Number(raw);
    // Port 0 (pick any) cannot work here: the other processes must know the URL in advance.
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      problems.push(`${portVariable(name)}=${raw} is not a port (1-65535)`);
    else ports[name] = port;
  }
  const byPort = new Map<number, ProcessName[]>();
  for (const [name, port] of Object.entries(ports) as [ProcessName, number][])
    byPort.set(port, [...(byPort.get(port) ?? []), name]);
  for (const [port, names] of byPort)
    if (names.length > 1) problems.push(`port ${port} is given to ${names.join(" and ")}`);
  if (problems.length > 0) throw new Error(`invalid ports:\n  - ${problems.join("\n  - ")}`);
  return ports;
}

/** Copies the defined string values of an environment (NodeJS.ProcessEnv allows undefined). */
function definedEntries(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Options of {@link buildStartPlan}. */
export interface StartPlanOptions {
  /** Ask children for colored logs although their stdout is a pipe (the supervisor's is a TTY). */
  forceColor?: boolean;
  /**
   * This checkout's development service credential (generated into .data/), given to every
   * subgraph unless SERVICE_TOKEN is set: two stacks on one machine then refuse each other's calls.
   * The gateway's credential (GATEWAY_TOKEN, unless set) is derived from it: a different secret,
   * so the gateway never holds the service one.
   */
  serviceToken?: string;
  /**
   * Node's on-disk compile cache for the children (NODE_COMPILE_CACHE, unless set): a warm start
   * then skips type-stripping and compiling the TypeScript sources (~0.3 CPU s and ~10 MB each).
   */
  compileCacheDir?: string;
}

/** A child's metrics port: its PORT + 5400 (the processes' defaults, 9400–9404), or ephemeral past 65535. */
export const metricsPortFor = (port: number): number => (port === 0 || port + 5400 > 65535 ? 0 : port + 5400);

/**
 * Maps the supervisor's environment onto the five children: every variable passes through, then
 * each child gets its PORT, and the URLs between processes follow the chosen ports. Throws when
 * the environment cannot work (bad ports, one DATABASE_URL for all four subgraphs).
 */
export function buildStartPlan(env: NodeJS.ProcessEnv, options: StartPlanOptions = {}): StartPlan {
  // A single DATABASE_URL would be handed to all four subgraphs: four services' migrations in one
  // database, which the design forbids (each service owns its own database).
  if (env.DATABASE_URL?.trim()) {
    throw new Error(
      `DATABASE_URL is set, but each subgraph needs its own database; unset it and use ${SUBGRAPH_NAMES.map(databaseVariable).join(", ")} (or none, for embedded PGlite)`,
    );
  }
  const ports = readPorts(env);
  const host = connectHost(env.HOST);
  const url = (name: ProcessName, path: string) => `http://${host}:${ports[name]}${path}`;
  const base = definedEntries(env);
  // Apollo packages phone home unless this is set before they load.
  base.APOLLO_TELEMETRY_DISABLED ??= "true";
  if (options.forceColor && base.NO_COLOR === undefined) base.FORCE_COLOR ??= "1";
  if (options.compileCacheDir && !base.NODE_COMPILE_CACHE?.trim()) base.NODE_COMPILE_CACHE = options.compileCacheDir;
  if (env.NODE_ENV?.trim() !== "production")
    for (const [name, value] of Object.entries(DEV_MALLOC_ENV)) base[name] ??= value;
  // The OAuth issuer is the gateway's public origin (discovery, and `iss` of app tokens): on another
  // GATEWAY_PORT the default (localhost:4000) would send OAuth clients to another stack.
  if (!env.OAUTH_ISSUER?.trim())
    base.OAUTH_ISSUER = `http://${host === "127.0.0.1" ? "localhost" : host}:${ports.gateway}`;

  const nodeFlags = childNodeFlags(env);
  const spec = (name: ProcessName, entry: string, extra: Record<string, string>): ProcessSpec => ({
    name,
    entry,
    // The gateway's heap flags come first, so the development flags and START_NODE_FLAGS still win (V8 keeps the last).
    args: [...(name === "gateway" ? GATEWAY_NODE_FLAGS : []), ...nodeFlags, "--import", TELEMETRY_PRELOAD, entry],
    port: ports[name],
    readyUrl: url(name, "/readyz"),
    // Metrics follow each child's port (4000 → 9400 …): one METRICS_PORT for all five would collide,
    // and a second checkout on other ports must not collide with the first one's metrics either.
    env: { ...base, ...extra, PORT: String(ports[name]), METRICS_PORT: String(metricsPortFor(ports[name])) },
  });
  const jwksUrl = url("users", "/.well-known/jwks.json");
  const gatewayToken =
    options.serviceToken && !env.GATEWAY_TOKEN?.trim()
      ? `dev-gw-${createHash("sha256").update(`gateway:${options.serviceToken}`).digest("base64url")}`
      : undefined;

  const subgraphs = SUBGRAPH_NAMES.map((name) => {
    // One service name per process, whatever the shell exports (spans must say where they come from).
    const extra: Record<string, string> = { OTEL_SERVICE_NAME: name };
    const databaseUrl = env[databaseVariable(name)]?.trim();
    if (databaseUrl) extra.DATABASE_URL = databaseUrl;
    if (name !== "users") extra.JWKS_URL = jwksUrl;
    if (name === "orders") extra.PRODUCTS_URL = url("products", "/graphql");
    // Embedded mode pushes events over HTTP: to this stack's notifications, never a default port
    // that another stack on the machine may hold (its consumer would record our events).
    if (name !== "notifications" && !env.EVENTS_PUSH_URLS?.trim())
      extra.EVENTS_PUSH_URLS = url("notifications", "/events");
    // …and to this stack's gateway, for its subscriptions (Redis, when set, carries them instead).
    if (!env.LIVE_EVENTS_URLS?.trim()) extra.LIVE_EVENTS_URLS = url("gateway", LIVE_EVENTS_PATH);
    if (options.serviceToken && !env.SERVICE_TOKEN?.trim()) extra.SERVICE_TOKEN = options.serviceToken;
    if (gatewayToken) extra.GATEWAY_TOKEN = gatewayToken;
    return spec(name, `subgraphs/${name}/src/index.ts`, extra);
  });
  const gateway = spec("gateway", "gateway/src/index.ts", {
    // The gateway's own malloc settings hold in production too; a value the caller set still wins.
    ...Object.fromEntries(Object.entries(GATEWAY_MALLOC_ENV).map(([name, value]) => [name, base[name] ?? value])),
    OTEL_SERVICE_NAME: "gateway",
    ...(gatewayToken ? { GATEWAY_TOKEN: gatewayToken } : {}),
    JWKS_URL: jwksUrl,
    ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_URL`, url(name, "/graphql")])),
  });
  return { subgraphs, gateway, ports };
}
