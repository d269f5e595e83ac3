/**
 * CPU per operation (issue 16 §3), counted rather than timed: one operation is sent N times one
 * after another through one Shopgraph gateway process, and each process's CPU (user + system,
 * /proc) over those N operations, the asynchronous work they caused included, is divided by N. A
 * fixed count over one connection keeps the figure about the work of one operation, not about
 * queueing on a shared machine (CPU time still grows somewhat with the machine's load: say it with
 * the figure).
 *
 *   node bench/subgraph-cpu-bench.ts [--scenario heavy|place-order] [--operations 150] [--rounds 3] [--profile dir]
 *
 * heavy: the heavy admin query (the four subgraphs' CPU). place-order: placeOrder with a unique
 * customer token and idempotency key (every process: gateway, subgraphs, the PostgreSQL backends
 * serving the bench's databases, and the shared Redis server, which other users of the machine
 * inflate); each round waits until no order is PENDING and the subgraphs are quiet.
 */
import { mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { backendPids, pendingOrders } from "./lib/checkout-db.ts";
import { startBenchStack, startShopgraphGateway } from "./lib/bench-stack.ts";
import { settle } from "./lib/measure.ts";
import { cpuOf, cpuOfCommand, sampleTree } from "./lib/procfs.ts";
import { HEAVY_QUERY } from "./lib/scenarios.ts";
import {
  PLACE_ORDER,
  orderLines,
  placeOrderVariables,
  placeOrders,
  registerUsers,
  seededAdmin,
  seededCustomers,
} from "./lib/seed-data.ts";
import { counterDelta, SUBGRAPHS } from "./lib/stack.ts";
import { createTokenPool } from "./lib/tokens.ts";

const { values: args } = parseArgs({
  options: {
    scenario: { type: "string", default: "heavy" },
    operations: { type: "string", default: "150" },
    rounds: { type: "string", default: "3" },
    /** Also write a CPU profile of each subgraph over the last round here (<dir>/<name>.cpuprofile). */
    profile: { type: "string" },
  },
});
const scenario = args.scenario;
if (scenario !== "heavy" && scenario !== "place-order")
  throw new Error(`--scenario heavy|place-order, not ${scenario}`);
const operations = Number(args.operations);
const rounds = Number(args.rounds);

const bench = await startBenchStack({ tag: "subgraph-cpu", productsCache: "off" });
const { stack, log, signer } = bench;
try {
  log("seeding: 110 customers, 100 orders");
  const customers = [...seededCustomers, ...(await registerUsers(stack.urls.users, 110))];
  await placeOrders(stack.urls.orders, signer, customers, 100);
  const warmUps = 20;
  const tokens = await createTokenPool(
    signer,
    operations * (rounds + 1) + warmUps,
    scenario === "heavy" ? [seededAdmin] : customers,
  );
  const gateway = await startShopgraphGateway(bench, "subgraph-cpu");
  let orderIndex = 0;
  const once = async () => {
    const body =
      scenario === "heavy"
        ? { query: HEAVY_QUERY }
        : { query: PLACE_ORDER, variables: placeOrderVariables(orderIndex, orderLines(orderIndex++)) };
    const res = await fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${tokens.next()}` },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as {
      errors?: unknown;
      data?: { orders?: { edges?: unknown[] }; placeOrder?: { order?: { status?: string } } };
    };
    const ok =
      scenario === "heavy" ? json.data?.orders?.edges?.length === 100 : json.data?.placeOrder?.order?.status === "PAID";
    if (res.status !== 200 || json.errors || !ok)
      throw new Error(`${scenario} failed: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  };
  const databases = Object.values(stack.databases);
  const processes = scenario === "heavy" ? [...SUBGRAPHS] : (["gateway", ...SUBGRAPHS, "postgres", "redis"] as const);
  /** CPU ms so far per process; PostgreSQL per backend of the bench's databases. */
  const cpu = async () => {
    const pids = await backendPids(databases);
    return {
      ms: {
        gateway: gateway.sample().cpuMs,
        ...Object.fromEntries(SUBGRAPHS.map((n) => [n, sampleTree(stack.pidOf(n)).cpuMs])),
        redis: cpuOfCommand("redis-server"),
      } as Record<string, number>,
      backends: new Map(pids.map((p) => [p, cpuOf([p])])),
    };
  };
  const quiet = async () => {
    if (scenario === "place-order") {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && (await pendingOrders(stack.databases.orders, 0)) > 0) await sleep(100);
    }
    await settle(stack, { users: 2, products: 2, orders: 3, notifications: 2 }, 1_000, 15_000);
  };
  for (let i = 0; i < warmUps; i++) await once(); // warm-up: compile, JIT, pools
  // The idle background (outbox relays, sweeps, revocation polls, PostgreSQL) over the same processes:
  // a serial round takes seconds, so part of each figure is time passing, not work; said beside it.
  await quiet();
  const idleBefore = await cpu();
  const idleStarted = performance.now();
  await sleep(5_000);
  const idleAfter = await cpu();
  const idleSeconds = (performance.now() - idleStarted) / 1000;
  const idleBackends = [...idleAfter.backends].reduce((s, [p, ms]) => s + ms - (idleBefore.backends.get(p) ?? 0), 0);
  const idleMsPerSecond =
    processes.reduce((sum, n) => sum + (n === "postgres" ? idleBackends : idleAfter.ms[n]! - idleBefore.ms[n]!), 0) /
    idleSeconds;
  log(`idle background of these processes: ${idleMsPerSecond.toFixed(1)} ms CPU per second`);
  const results: (Record<string, number> & { total: number; idle: number })[] = [];
  for (let round = 0; round <= rounds; round++) {
    await quiet();
    const before = await cpu();
    const started = performance.now();
    const countersBefore = await stack.counters();
    const load = loadavg()[0]!;
    const profiled = args.profile !== undefined && round === rounds;
    if (profiled) {
      mkdirSync(args.profile!, { recursive: true });
      await stack.startProfiles();
    }
    for (let i = 0; i < operations; i++) await once();
    await quiet();
    if (profiled) await stack.stopProfiles(args.profile!);
    const after = await cpu();
    const work = counterDelta(countersBefore, await stack.counters());
    // A backend that exited took its CPU with it (an undercount, reported); one that started counts from 0.
    const gone = [...before.backends.keys()].filter((p) => !after.backends.has(p)).length;
    const fresh = [...after.backends.keys()].filter((p) => !before.backends.has(p)).length;
    after.ms.postgres = [...after.backends].reduce((s, [p, ms]) => s + ms - (before.backends.get(p) ?? 0), 0);
    before.ms.postgres = 0;
    const per = Object.fromEntries(processes.map((n) => [n, (after.ms[n]! - before.ms[n]!) / operations])) as Record<
      string,
      number
    >;
    const total = processes.reduce((sum, n) => sum + per[n]!, 0);
    /** What the idle background alone would have cost over this round's wall time, per operation. */
    const idle = (idleMsPerSecond * (performance.now() - started)) / 1000 / operations;
    if (round > 0) results.push({ ...per, total, idle });
    log(
      `${round === 0 ? "warm-up round" : `round ${round}`}: ${operations} ${scenario} operations, load average ${load.toFixed(1)}; ` +
        `CPU ms/op ${processes.map((n) => `${n} ${per[n]!.toFixed(1)}`).join(", ")}, total ${total.toFixed(1)} ` +
        `(of which idle background ≈ ${idle.toFixed(1)}); ` +
        `SQL/op ${SUBGRAPHS.map((n) => `${n} ${(work.per[n].sql / operations).toFixed(1)}`).join(", ")}` +
        (scenario === "place-order" ? ` (postgres backends: ${after.backends.size}, ${fresh} new, ${gone} gone)` : ""),
    );
  }
  const median = (key: string) => results.map((r) => r[key]!).sort((a, b) => a - b)[results.length >> 1]!;
  log(
    `median of ${rounds} rounds: ${[...processes, "total", "idle"].map((k) => `${k} ${median(k).toFixed(1)}`).join(", ")} ms/op`,
  );
  await gateway.stop();
} finally {
  await stack.close();
}
