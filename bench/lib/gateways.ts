import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GATEWAY_MALLOC_ENV, GATEWAY_NODE_FLAGS } from "../../gateway/src/node-flags.ts";
import { BENCH_GATEWAY_TOKEN } from "./credentials.ts";
import { sampleTree, type TreeSample } from "./procfs.ts";
import { graphqlOk, startChild, waitUntil, type Child } from "./processes.ts";
import type { SubgraphName } from "./stack.ts";

/** The gateways under comparison. */
export const GATEWAY_KINDS = ["shopgraph", "apollo", "hive", "hive-router"] as const;
/** One gateway kind. */
export type GatewayKind = (typeof GATEWAY_KINDS)[number];

/** How each kind is labelled in reports. */
export const GATEWAY_LABELS: Record<GatewayKind | "direct", string> = {
  shopgraph: "Shopgraph gateway",
  apollo: "plain @apollo/gateway",
  hive: "Hive Gateway",
  "hive-router": "Hive Gateway + router-runtime",
  direct: "subgraph direct",
};

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const CLUSTER = here("../gateways/cluster.ts");
const ENTRIES: Record<GatewayKind, string> = {
  shopgraph: here("../../gateway/src/index.ts"),
  apollo: here("../gateways/apollo-plain.ts"),
  hive: here("../gateways/hive.ts"),
  "hive-router": here("../gateways/hive.ts"),
};

/**
 * The committed supergraph with its subgraph URLs pointed at this run's subgraphs: every gateway
 * reads the same composed schema, and the two that route by the supergraph's URLs reach the same
 * processes the Shopgraph gateway is configured with.
 */
export function writeSupergraph(urls: Record<SubgraphName, string>, dir: string, file = "supergraph.graphql"): string {
  let sdl = readFileSync(here("../../schema/supergraph.graphql"), "utf8");
  for (const [name, url] of Object.entries(urls)) {
    sdl = sdl.replace(new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]*(")`), `$1${url}$2`);
  }
  const path = join(dir, file);
  writeFileSync(path, sdl);
  return path;
}

/** Options for {@link startGateway}. */
export interface GatewayOptions {
  kind: GatewayKind;
  workers: number;
  port: number;
  supergraphPath: string;
  subgraphUrls: Record<SubgraphName, string>;
  redis: { url: string; prefix: string };
  /** In-flight dedup of identical subgraph queries (Shopgraph's SUBGRAPH_DEDUP, Hive's transport option): a form of caching. */
  dedup: boolean;
  persistedDocumentsPath: string;
  logDir: string;
  /** Extra Node flags (after the kind's own: the Shopgraph gateway starts with its deployed heap flags). */
  execArgv?: string[];
  /** The Shopgraph gateway's Node flags instead of GATEWAY_NODE_FLAGS ([] = V8's defaults); other kinds have none. */
  nodeFlags?: readonly string[];
  /** Suffix for the log file name. */
  tag: string;
  /** Extra environment (applied last). */
  env?: Record<string, string>;
}

/** A running gateway under test. */
export interface RunningGateway {
  kind: GatewayKind;
  url: string;
  child: Child;
  sample(): TreeSample;
  stop(): Promise<void>;
}

function envFor(options: GatewayOptions): Record<string, string> {
  // Every gateway sends the subgraphs the same credential (Shopgraph reads it from its config, the others from this env).
  const common = {
    PORT: String(options.port),
    HOST: "127.0.0.1",
    SUPERGRAPH_PATH: options.supergraphPath,
    NODE_ENV: "production",
    GATEWAY_TOKEN: BENCH_GATEWAY_TOKEN,
  };
  switch (options.kind) {
    case "shopgraph":
      return {
        ...common,
        // As deployed (gateway/src/node-flags.ts); --shopgraph-env or a variant's --env can override them.
        ...GATEWAY_MALLOC_ENV,
        LOG_LEVEL: "info",
        USERS_URL: options.subgraphUrls.users,
        PRODUCTS_URL: options.subgraphUrls.products,
        ORDERS_URL: options.subgraphUrls.orders,
        NOTIFICATIONS_URL: options.subgraphUrls.notifications,
        JWKS_URL: options.subgraphUrls.users.replace(/\/graphql$/, "/.well-known/jwks.json"),
        REDIS_URL: options.redis.url,
        REDIS_KEY_PREFIX: options.redis.prefix,
        RATE_LIMIT_ENABLED: "false",
        SUBGRAPH_DEDUP: String(options.dedup),
        // The bench never scrapes; an ephemeral metrics port cannot collide with a running stack.
        METRICS_PORT: "0",
      };
    case "apollo":
      return common;
    case "hive":
      return {
        ...common,
        PERSISTED_DOCUMENTS_PATH: options.persistedDocumentsPath,
        DEDUP_INFLIGHT: String(options.dedup),
      };
    case "hive-router":
      return {
        ...common,
        PERSISTED_DOCUMENTS_PATH: options.persistedDocumentsPath,
        DEDUP_INFLIGHT: String(options.dedup),
        HIVE_PLANNER: "router-runtime",
      };
  }
}

/** Starts one gateway (through the cluster launcher) and waits until it answers GraphQL. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const child = startChild({
    name: `gateway-${options.kind}-${options.tag}`,
    entry: CLUSTER,
    args: [String(options.workers), ENTRIES[options.kind]],
    // The Shopgraph gateway runs as deployed (gateway/src/node-flags.ts); cluster.ts's workers inherit the flags.
    execArgv: [
      ...(options.kind === "shopgraph" ? (options.nodeFlags ?? GATEWAY_NODE_FLAGS) : []),
      ...(options.execArgv ?? []),
    ],
    env: { ...envFor(options), ...options.env },
    logDir: options.logDir,
  });
  const url = `http://127.0.0.1:${options.port}/graphql`;
  try {
    // Generous: several gateways (x workers) start at once on 2 shared cores (load 30 made 60 s too short).
    await waitUntil(child, () => graphqlOk(url), 180_000);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { kind: options.kind, url, child, sample: () => sampleTree(child.pid), stop: () => child.stop() };
}
