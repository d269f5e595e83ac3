/**
 * The live-updates benchmark (issue 15 §1), through one Shopgraph gateway process over the four
 * real subgraphs (own processes, fresh databases, real Redis):
 *
 * 1. latency: `--subscribers` customers (default 200), each with a graphql-ws subscription to
 *    notificationAdded; each places an order through the gateway; the time from placeOrder
 *    returning to that customer receiving the ORDER_CONFIRMED notification (outbox relay → Redis →
 *    notifications → notification.created → the gateway's reader → the per-event query).
 * 2. idle: `--idle` (default 10,000) subscriptions that receive nothing, over graphql-ws sockets of
 *    `--per-socket` subscriptions each: the gateway's extra RSS, and its CPU while idle (ws pings
 *    every LIVE_KEEPALIVE_MS).
 *
 * The latency is also split into its stages (orders commit → relay → notifications → gateway →
 * socket; see lib/live-split.ts).
 *
 *   pnpm bench:live [--subscribers 200] [--concurrency 8] [--idle 10000 | 0 to skip] [--per-socket 5]
 *                   [--idle-seconds 30] [--out bench/results/live]
 */
import { cpus, loadavg } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { startBenchStack, startShopgraphGateway } from "./lib/bench-stack.ts";
import type { RunningGateway } from "./lib/gateways.ts";
import { measureLiveSplit, splitTable, type ClientTimes } from "./lib/live-split.ts";
import { writeBenchResults } from "./lib/results.ts";
import { PLACE_ORDER, placeOrderVariables, registerUsers } from "./lib/seed-data.ts";

const { values: args } = parseArgs({
  options: {
    subscribers: { type: "string", default: "200" },
    idle: { type: "string", default: "10000" },
    "per-socket": { type: "string", default: "5" },
    "idle-seconds": { type: "string", default: "30" },
    concurrency: { type: "string", default: "8" },
    out: { type: "string", default: "bench/results/live" },
  },
});
const subscribers = Number(args.subscribers);
const idle = Number(args.idle);
const perSocket = Number(args["per-socket"]);
const idleSeconds = Number(args["idle-seconds"]);
const concurrency = Number(args.concurrency);

const NOTIFICATION_ADDED = "subscription { notificationAdded { id kind order { id number status } } }";
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const rssMb = (g: RunningGateway) => g.sample().rssMb.reduce((a, b) => a + b, 0);

const bench = await startBenchStack({ tag: "live", productsCache: "off" });
const { stack, log, signer } = bench;
let gateway: RunningGateway | undefined;
const sockets: Client[] = [];
const failures: unknown[] = [];
/** The 1-minute load average just before and just after the latency run. */
const load = { before: NaN, after: NaN };
const metricsPort = await bench.nextPort();
/** Sums the gateway's samples of one metric (all label sets) from its /metrics listener. */
async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}
try {
  gateway = await startShopgraphGateway(bench, "live", {
    METRICS_PORT: String(metricsPort),
    METRICS_HOST: "127.0.0.1",
    LIVE_MAX_SUBSCRIPTIONS_PER_USER: String(Math.ceil(idle / subscribers) + 10),
    LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: String(Math.max(perSocket, 1)),
    LOG_LEVEL: "warn",
  });
  const wsUrl = gateway.url.replace(/^http/, "ws");
  log(`registering ${subscribers} customers`);
  const users = await registerUsers(stack.urls.users, subscribers);
  const tokens = await Promise.all(users.map((u) => signer.sign(u.id, "CUSTOMER")));
  const socket = (token: string) => {
    const c = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: (e) => failures.push(e),
    });
    sockets.push(c);
    return c;
  };

  // 1. latency
  const received = new Map<string, number>();
  for (const token of tokens) {
    socket(token).subscribe(
      { query: NOTIFICATION_ADDED },
      {
        next: (r) => {
          const n = (r.data as { notificationAdded?: { kind: string; order: { id: string } | null } } | undefined)
            ?.notificationAdded;
          if (n?.kind === "ORDER_CONFIRMED" && n.order) received.set(n.order.id, Date.now());
        },
        error: (e) => failures.push(e),
        complete: () => {},
      },
    );
  }
  await sleep(3_000);
  load.before = loadavg()[0]!;
  log(`${subscribers} subscribers; placing one order each (concurrency ${concurrency})`);
  const returned = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tokens.length) {
        const i = next++;
        const res = await fetch(gateway!.url, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${tokens[i]}` },
          body: JSON.stringify({ query: PLACE_ORDER, variables: placeOrderVariables(i, 1) }),
        });
        const body = (await res.json()) as { data?: { placeOrder: { order: { id: string } | null } } };
        const id = body.data?.placeOrder.order?.id;
        if (id) returned.set(id, Date.now());
        else failures.push(body);
      }
    }),
  );
  const deadline = Date.now() + 30_000;
  while (received.size < returned.size && Date.now() < deadline) await sleep(50);
  load.after = loadavg()[0]!;
  const latencies = [...returned]
    .filter(([id]) => received.has(id))
    .map(([id, at]) => received.get(id)! - at)
    .sort((a, b) => a - b);
  const latency = {
    orders: returned.size,
    delivered: latencies.length,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    max: latencies.at(-1) ?? NaN,
    failures: failures.length,
  };
  // The gateway's own share: the notification's creation (notification.created occurredAt) → handed to the socket.
  const gatewayLagMs =
    ((await metric("gateway_subscription_delivery_lag_seconds_sum")) /
      Math.max(1, await metric("gateway_subscription_delivery_lag_seconds_count"))) *
    1000;
  Object.assign(latency, { gatewayMeanLagMs: gatewayLagMs });
  log(`latency: ${JSON.stringify(latency)}`);
  const client = new Map<string, ClientTimes>();
  for (const [id, returnedAt] of returned) {
    const receivedAt = received.get(id);
    if (receivedAt !== undefined) client.set(id, { returnedAt, receivedAt });
  }
  const split = await measureLiveSplit({
    redis: { url: stack.redis.url!, prefix: stack.redis.prefix },
    notificationsDatabase: stack.databases.notifications,
    client,
  });
  log(`split:\n${splitTable(split).join("\n")}`);
  for (const c of sockets.splice(0)) await c.dispose();
  await sleep(2_000);

  // 2. idle (--idle 0 skips it)
  const idleResult = idle > 0 ? await measureIdle(gateway, socket, tokens) : undefined;

  const markdown = [
    "# Live updates benchmark",
    "",
    `One Shopgraph gateway process (1 worker) over the four subgraph processes, real PostgreSQL and Redis, on this machine (${new Date().toISOString()}; load average ${load.before.toFixed(1)} before the latency run, ${load.after.toFixed(1)} after it, on ${cpus().length} cores).`,
    "",
    "## placeOrder → notificationAdded",
    "",
    `${subscribers} graphql-ws subscribers (one customer each); each places one order through the gateway (${concurrency} at a time); latency from placeOrder returning to its subscriber receiving ORDER_CONFIRMED.`,
    "",
    "| orders | delivered | p50 ms | p95 ms | p99 ms | max ms |",
    "|---|---|---|---|---|---|",
    `| ${latency.orders} | ${latency.delivered} | ${latency.p50.toFixed(0)} | ${latency.p95.toFixed(0)} | ${latency.p99.toFixed(0)} | ${latency.max.toFixed(0)} |`,
    "",
    `The gateway's delivery lag metric (notification.created's occurredAt → result handed to the socket) averaged ${gatewayLagMs.toFixed(0)} ms. Where the time goes, per order (from the Redis stream's entry ids and envelopes, the notification rows and the bench's clock; one machine, one clock):`,
    "",
    ...splitTable(split),
    "",
    ...(idleResult
      ? [
          "## Idle subscriptions",
          "",
          `${idle} notificationAdded subscriptions requested over ${idleResult.sockets} WebSockets (${perSocket} each), ${idleResult.open} open per the gateway's gauge, nothing to deliver; ws pings every 12 s.`,
          "",
          "| gateway RSS before | with the subscriptions | extra | gateway CPU while idle |",
          "|---|---|---|---|",
          `| ${idleResult.baselineRssMb.toFixed(0)} MB | ${idleResult.rssMb.toFixed(0)} MB | ${idleResult.extraRssMb.toFixed(0)} MB | ${idleResult.idleCpuPercent.toFixed(1)} % of a core over ${idleSeconds} s |`,
          "",
        ]
      : []),
  ].join("\n");
  log(`wrote ${writeBenchResults(args.out, markdown, { latency, load, split, idle: idleResult })}`);
} finally {
  for (const c of sockets) await Promise.resolve(c.dispose()).catch(() => {});
  await gateway?.stop();
  await stack.close();
}

/** The extra RSS and the idle CPU of `idle` subscriptions that receive nothing. */
async function measureIdle(gateway: RunningGateway, socket: (token: string) => Client, tokens: readonly string[]) {
  const baseline = rssMb(gateway);
  log(
    `opening ${idle} idle subscriptions over ${Math.ceil(idle / perSocket)} sockets (gateway RSS ${baseline.toFixed(0)} MB)`,
  );
  let opened = 0;
  for (let s = 0; s * perSocket < idle; s++) {
    const c = socket(tokens[s % tokens.length]!);
    for (let k = 0; k < perSocket && opened < idle; k++, opened++)
      c.subscribe(
        { query: NOTIFICATION_ADDED },
        { next: () => {}, error: (e) => failures.push(e), complete: () => {} },
      );
    // Ramped: a burst of thousands of handshakes overflows the listen backlog (resets), which is not what is measured.
    if (s % 50 === 49) await sleep(250);
  }
  await sleep(10_000);
  const open = await metric("gateway_subscriptions_active");
  const cpuBefore = gateway.sample().cpuMs;
  const rssOpen = rssMb(gateway);
  await sleep(idleSeconds * 1000);
  const cpuIdle = gateway.sample().cpuMs - cpuBefore;
  const idleResult = {
    subscriptions: idle,
    open,
    sockets: sockets.length,
    baselineRssMb: baseline,
    rssMb: rssOpen,
    extraRssMb: rssOpen - baseline,
    idleCpuPercent: (cpuIdle / (idleSeconds * 1000)) * 100,
    idleSeconds,
    failures: failures.length,
  };
  log(`idle: ${JSON.stringify(idleResult)}`);
  return idleResult;
}
