// The "ready" banner of `pnpm start`: where to go, how to sign in, and what the stack runs on.
import { databaseVariable, SUBGRAPH_NAMES } from "./processes.ts";
import type { ProcessName } from "./processes.ts";

/** The demo accounts the subgraphs seed into an empty database in development. */
export const DEMO_ACCOUNTS = [
  { email: "admin@shopgraph.dev", password: "admin-password-123", role: "ADMIN" },
  { email: "customer@shopgraph.dev", password: "customer-password-123", role: "CUSTOMER" },
] as const;

const NOT_SEEDED = "none seeded (SEED is off); register through the API";

/** What the banner reports. */
export interface BannerInput {
  ports: Readonly<Record<ProcessName, number>>;
  elapsedMs: number;
  /** The supervisor's environment (the children got the same, plus their ports). */
  env: NodeJS.ProcessEnv;
}

/**
 * Whether the subgraphs seed demo data: SEED when given, else only in development (their default).
 * Never in production: the subgraphs refuse SEED=true there (the demo passwords are public).
 */
export function isSeeding(env: NodeJS.ProcessEnv): boolean {
  const nodeEnv = env.NODE_ENV?.trim() || "development";
  if (nodeEnv === "production") return false;
  const seed = env.SEED?.trim();
  if (seed) return seed === "true" || seed === "1";
  return nodeEnv === "development";
}

/** The supervisor's early refusal of SEED=true in production (the subgraphs would refuse it after starting), or undefined. */
export function seedProblem(env: NodeJS.ProcessEnv): string | undefined {
  const seed = env.SEED?.trim();
  if (env.NODE_ENV?.trim() !== "production" || (seed !== "true" && seed !== "1")) return undefined;
  return (
    "SEED=true is refused in production: the demo accounts' passwords are public. Unset SEED " +
    "and create the first ADMIN with `node subgraphs/users/src/cli/create-admin.ts --email <email>`"
  );
}

/** A URL without its password, for printing. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/** Where the subgraphs keep their data, in one line. */
export function describeDatabases(env: NodeJS.ProcessEnv): string {
  const dataDir = env.DATA_DIR?.trim() || ".data";
  const external = SUBGRAPH_NAMES.filter((name) => env[databaseVariable(name)]?.trim());
  if (external.length === 0) return `embedded PostgreSQL (PGlite) in ${dataDir.replace(/\/?$/, "/")}`;
  if (external.length === SUBGRAPH_NAMES.length) return "PostgreSQL (a database per subgraph from *_DATABASE_URL)";
  const embedded = SUBGRAPH_NAMES.filter((name) => !external.includes(name));
  return `PostgreSQL for ${external.join(", ")}; embedded PGlite in ${dataDir.replace(/\/?$/, "/")} for ${embedded.join(", ")}`;
}

/** Where caches, rate limits and events live, in one line. */
export function describeRedis(env: NodeJS.ProcessEnv): string {
  const url = env.REDIS_URL?.trim();
  return url ? `Redis at ${redactUrl(url)}` : "in-process cache/rate limits (no REDIS_URL)";
}

/** The banner printed once every process is ready (plain text; the caller may color it). */
export function formatBanner({ ports, elapsedMs, env }: BannerInput): string {
  const isProduction = env.NODE_ENV?.trim() === "production";
  const graphql = `http://localhost:${ports.gateway}/graphql`;
  const accounts = isSeeding(env)
    ? DEMO_ACCOUNTS.map((a) => `${a.email} / ${a.password}  (${a.role})`)
    : [
        isProduction
          ? "none (never seeded in production): create an ADMIN with subgraphs/users/src/cli/create-admin.ts"
          : NOT_SEEDED,
      ];
  const rows: [string, string][] = [
    ["GraphQL", isProduction ? graphql : `${graphql}  (open it in a browser for Apollo Sandbox)`],
    ...accounts.map((line, i): [string, string] => [i === 0 ? "Sign in" : "", line]),
    ["Database", describeDatabases(env)],
    ["Redis", describeRedis(env)],
    ["Subgraphs", SUBGRAPH_NAMES.map((name) => `${name} :${ports[name]}`).join("  ")],
  ];
  const body = rows.map(([label, value]) => `  ${label.padEnd(10)} ${value}`);
  const title = `  Shopgraph is ready in ${(elapsedMs / 1000).toFixed(1)} s (NODE_ENV=${env.NODE_ENV?.trim() || "development"})`;
  const rule = "─".repeat(Math.max(title.length, ...body.map((l) => l.length)) + 2);
  return ["", rule, title, "", ...body, rule, ""].join("\n");
}
