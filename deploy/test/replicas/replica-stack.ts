import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  freePort,
  provisionDatabase,
  provisionRedis,
  type TestDatabase,
  type TestRedis,
} from "../../../packages/testing/src/index.ts";
import { forgetPid, trackPid } from "../../../packages/testing/src/private-process.ts";

// Issue #11 §3 on one machine: two replicas of every Shopgraph process (the notifications API and
// its worker as separate processes, as the Kubernetes Deployments run them) as real OS processes, each
// service behind a real HAProxy (Debian's package) on loopback, exactly like Services in a cluster:
// the gateways call the subgraphs through HAProxy, orders calls products through it, everyone
// fetches the JWKS through it.

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const SERVICES = ["users", "products", "orders", "notifications", "gateway"] as const;
/** A Shopgraph service behind the load balancer. */
export type Service = (typeof SERVICES)[number];
/** Every kind of process: the services, and the notifications worker (as in Kubernetes: same image, NOTIFICATIONS_ROLE=worker, no load balancer). */
export type ProcessKind = Service | "notifications-worker";
const PROCESSES: readonly ProcessKind[] = [...SERVICES, "notifications-worker"];
const PUBLIC_PORT: Record<Service, number> = {
  gateway: 4000,
  users: 4001,
  products: 4002,
  orders: 4003,
  notifications: 4004,
};

/** One running (or stopped) replica. */
export interface Replica {
  service: ProcessKind;
  index: number;
  port: number;
  metricsPort: number;
  url: string;
  process: ChildProcess | undefined;
  /** Its output, for failure messages. */
  log: string[];
}

const entry = (service: ProcessKind) =>
  service === "gateway"
    ? "gateway/src/index.ts"
    : service === "notifications-worker"
      ? "subgraphs/notifications/src/index.ts"
      : `subgraphs/${service}/src/index.ts`;

async function waitReady(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The HAProxy configuration: one frontend/backend per service, health-checked on /readyz. */
function haproxyConfig(lbPorts: Record<Service, number>, replicas: Replica[]): string {
  const lines = [
    "global",
    "  maxconn 4000",
    "defaults",
    "  mode http",
    "  timeout connect 1s",
    // Idle client connections outlive the client's own keep-alive (undici: 4 s), so the client, never
    // HAProxy, closes an idle one: no request is sent on a connection being closed under it.
    "  timeout client 60s",
    "  timeout server 60s",
    "  timeout http-keep-alive 60s",
    // A replica that refuses a connection is retried elsewhere (the request never reached it). No
    // L7 retry of a request a replica took and then died on: like a Kubernetes Service, the load
    // balancer must not replay a mutation; the gateway retries idempotent subgraph fetches itself.
    "  retries 3",
    "  option redispatch 1",
    "  retry-on conn-failure",
    // Down after two failed /readyz checks (a draining replica answers 503 for SHUTDOWN_DRAIN_DELAY_MS
    // first), up after one; a check may take 2 s on a loaded machine before it counts as failed.
    "  timeout check 2s",
    "  default-server inter 250ms fall 2 rise 1",
  ];
  for (const service of SERVICES) {
    lines.push(`frontend ${service}`, `  bind 127.0.0.1:${lbPorts[service]}`, `  default_backend ${service}`);
    lines.push(
      `backend ${service}`,
      "  balance roundrobin",
      "  option httpchk GET /readyz",
      "  http-check expect status 200",
    );
    for (const r of replicas.filter((x) => x.service === service))
      lines.push(`  server ${service}${r.index} 127.0.0.1:${r.port} check`);
  }
  return `${lines.join("\n")}\n`;
}

/** Two replicas of each service behind HAProxy, over fresh databases and a fresh Redis prefix. */
export async function startReplicaStack(options: { env?: Partial<Record<ProcessKind, Record<string, string>>> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "sgt-replicas-"));
  const migrations = (name: string) => join(ROOT, "subgraphs", name, "prisma/migrations");
  const [redis, ...dbs]: [TestRedis, ...TestDatabase[]] = await Promise.all([
    provisionRedis(),
    ...["users", "products", "orders", "notifications"].map((n) => provisionDatabase(n, migrations(n))),
  ]);
  const database = Object.fromEntries(
    ["users", "products", "orders", "notifications"].map((n, i) => [n, dbs[i]!]),
  ) as Record<string, TestDatabase>;
  const key = { ...(generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }) as object), kid: "replicas" };
  const lbPorts = Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await freePort()]))) as Record<
    Service,
    number
  >;
  const lb = (service: Service) => `http://127.0.0.1:${lbPorts[service]}`;
  const replicas: Replica[] = [];
  for (const service of PROCESSES) {
    for (const index of [1, 2]) {
      const port = await freePort();
      replicas.push({
        service,
        index,
        port,
        metricsPort: await freePort(),
        url: `http://127.0.0.1:${port}`,
        process: undefined,
        log: [],
      });
    }
  }
  const common = {
    PATH: process.env.PATH ?? "",
    NODE_ENV: "test",
    LOG_LEVEL: "warn",
    HOST: "127.0.0.1",
    METRICS_HOST: "127.0.0.1",
    REDIS_URL: redis.url!,
    REDIS_KEY_PREFIX: redis.prefix,
    SERVICE_TOKEN: randomBytes(32).toString("base64url"),
    GATEWAY_TOKEN: randomBytes(32).toString("base64url"),
    JWKS_URL: `${lb("users")}/.well-known/jwks.json`,
    SHUTDOWN_GRACE_MS: "5000",
    // Keep serving (answering /readyz 503) until HAProxy has taken the replica out, like the preStop pause.
    SHUTDOWN_DRAIN_DELAY_MS: "2000",
    APOLLO_TELEMETRY_DISABLED: "true",
    OTEL_EXPORTER_OTLP_ENDPOINT: "",
    EVENTS_POLL_MS: "100",
  };
  const envOf = (r: Replica): Record<string, string> => {
    const own = {
      ...common,
      PORT: String(r.port),
      METRICS_PORT: String(r.metricsPort),
      DATA_DIR: join(dir, `${r.service}${r.index}`),
      OTEL_SERVICE_NAME: r.service,
    };
    // Only the first replica seeds (demo accounts and catalog); the second starts on the seeded database.
    const seed = r.index === 1 ? "true" : "false";
    const extra = options.env?.[r.service] ?? {};
    switch (r.service) {
      case "gateway":
        return {
          ...own,
          USERS_URL: `${lb("users")}/graphql`,
          PRODUCTS_URL: `${lb("products")}/graphql`,
          ORDERS_URL: `${lb("orders")}/graphql`,
          NOTIFICATIONS_URL: `${lb("notifications")}/graphql`,
          ...extra,
        };
      case "users":
        return {
          ...own,
          DATABASE_URL: database.users!.url,
          SEED: seed,
          JWT_PRIVATE_KEYS: JSON.stringify([key]),
          ...extra,
        };
      case "orders":
        return {
          ...own,
          DATABASE_URL: database.orders!.url,
          SEED: seed,
          PRODUCTS_URL: `${lb("products")}/graphql`,
          ...extra,
        };
      case "notifications":
        return { ...own, DATABASE_URL: database.notifications!.url, SEED: seed, NOTIFICATIONS_ROLE: "api", ...extra };
      case "notifications-worker":
        return {
          ...own,
          DATABASE_URL: database.notifications!.url,
          SEED: "false",
          NOTIFICATIONS_ROLE: "worker",
          ...extra,
        };
      default:
        return { ...own, DATABASE_URL: database[r.service]!.url, SEED: seed, ...extra };
    }
  };

  /** Starts a replica's process and waits until it is ready. */
  const start = async (r: Replica) => {
    const child = spawn(process.execPath, [entry(r.service)], {
      cwd: ROOT,
      env: envOf(r),
      stdio: ["ignore", "pipe", "pipe"],
    });
    trackPid(child.pid!);
    r.process = child;
    r.log = [];
    const keep = (chunk: Buffer) => {
      r.log.push(chunk.toString());
      if (r.log.length > 200) r.log.shift();
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.once("exit", () => forgetPid(child.pid!));
    await waitReady(r.url).catch((error: unknown) => {
      throw new Error(`${r.service}${r.index}: ${(error as Error).message}\n${r.log.join("")}`);
    });
  };
  /** Sends `signal` and waits for the process to exit. */
  const stop = async (r: Replica, signal: NodeJS.Signals = "SIGTERM") => {
    const child = r.process;
    // Already gone (an exit code, or killed by a signal): nothing to wait for.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    await exited;
    r.process = undefined;
  };

  const configPath = join(dir, "haproxy.cfg");
  writeFileSync(configPath, haproxyConfig(lbPorts, replicas));
  let haproxy: ChildProcess | undefined;
  const close = async () => {
    await Promise.all(replicas.map((r) => stop(r, "SIGKILL")));
    if (haproxy?.pid) {
      haproxy.kill("SIGKILL");
      forgetPid(haproxy.pid);
    }
    await Promise.all(dbs.map((d) => d.drop().catch(() => {})));
    await redis.cleanup();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    haproxy = spawn("haproxy", ["-f", configPath, "-db"], { stdio: ["ignore", "ignore", "pipe"] });
    trackPid(haproxy.pid!);
    // In waves, each wave's processes started together (a start waits on PostgreSQL and Redis as much
    // as it computes, so starting them one after another left the cores idle): users first (everyone
    // fetches its JWKS), a service's replica 1 ready before its replica 2 starts (1 seeds), products
    // before orders.
    const at = (service: ProcessKind, index: number) =>
      replicas.find((r) => r.service === service && r.index === index)!;
    const waves: [ProcessKind, number][][] = [
      [["users", 1]],
      [
        ["users", 2],
        ["products", 1],
        ["notifications", 1],
      ],
      [
        ["products", 2],
        ["notifications", 2],
        ["orders", 1],
        ["notifications-worker", 1],
        ["notifications-worker", 2],
        ["gateway", 1],
        ["gateway", 2],
      ],
      [["orders", 2]],
    ];
    const startedAt = Date.now();
    for (const wave of waves) await Promise.all(wave.map(([service, index]) => start(at(service, index))));
    process.stdout.write(`[replicas] 12 processes started in ${Date.now() - startedAt} ms\n`);
    // HAProxy has seen every server healthy at least once.
    await new Promise((r) => setTimeout(r, 500));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    /** The gateway through the load balancer (what clients use). */
    url: `${lb("gateway")}/graphql`,
    lb,
    replicas,
    replica: (service: ProcessKind, index: 1 | 2) => replicas.find((r) => r.service === service && r.index === index)!,
    redis,
    database,
    serviceToken: common.SERVICE_TOKEN,
    start,
    stop,
    close,
    publicPort: PUBLIC_PORT,
  };
}

/** A running replica stack. */
export type ReplicaStack = Awaited<ReturnType<typeof startReplicaStack>>;
