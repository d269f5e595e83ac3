/**
 * The checkout benchmark (issue 4): placeOrder at fixed arrival rates (open loop, latency from
 * each order's due time), stepped up, against the orders subgraph directly and through ONE
 * Shopgraph gateway, interleaved in one run; then a contention scenario (more orders than units
 * of one product) and an oversell audit straight from the databases.
 *
 *   pnpm bench:checkout [--rates 25,50,100,150,200] [--seconds 10] [--out bench/results/checkout]
 *
 * Every process runs as deployed (four subgraph processes over fresh databases, the gateway as a
 * child process). Writes <out>.md and <out>.raw.json. Needs the real PostgreSQL and Redis.
 */
import { rmSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { seedProducts } from "@shopgraph/fixtures";
import { auditStock, orderMark, pendingOrders, setStock, statusCounts } from "./lib/checkout-db.ts";
import {
  CPU_PROCESSES,
  renderCheckoutReport,
  stepPasses,
  type CheckoutStep,
  type ContentionResult,
  type CpuProcess,
} from "./lib/checkout-report.ts";
import { startBenchStack, startShopgraphGateway } from "./lib/bench-stack.ts";
import type { RunningGateway } from "./lib/gateways.ts";
import { settle } from "./lib/measure.ts";
import { runOpenLoop } from "./lib/open-loop.ts";
import { writeBenchResults } from "./lib/results.ts";
import { cpuOfCommand, sampleTree } from "./lib/procfs.ts";
import {
  orderableProducts,
  orderLines,
  PLACE_ORDER,
  placeOrderVariables,
  registerUsers,
  seededCustomers,
} from "./lib/seed-data.ts";
import { counterDelta, SUBGRAPHS, type SubgraphName } from "./lib/stack.ts";
import { createTokenPool } from "./lib/tokens.ts";

const { values: args } = parseArgs({
  options: {
    rates: { type: "string", default: "25,50,100,150,200" },
    seconds: { type: "string", default: "10" },
    "warmup-seconds": { type: "string", default: "5" },
    "contention-units": { type: "string", default: "100" },
    "contention-orders": { type: "string", default: "300" },
    "contention-rate": { type: "string", default: "100" },
    out: { type: "string", default: "bench/results/checkout" },
  },
});
const rates = args.rates.split(",").map(Number);
const seconds = Number(args.seconds);
const contention = {
  units: Number(args["contention-units"]),
  orders: Number(args["contention-orders"]),
  rate: Number(args["contention-rate"]),
};
/** A target stops stepping up once a step is this far gone (keeps an overloaded run short). */
const GIVE_UP = { p99Ms: 3_000, failedShare: 0.05 };
const PLENTY = 1_000_000;

const bench = await startBenchStack({ tag: "checkout", productsCache: "off" });
const { stack, log, signer, workDir, logDir } = bench;
let gateway: RunningGateway | undefined;
let failed = false;

/** CPU ms so far of every process the report attributes work to. */
function cpuNow(): Record<CpuProcess, number> {
  const of = (name: SubgraphName) => sampleTree(stack.pidOf(name)).cpuMs;
  return {
    gateway: gateway ? gateway.sample().cpuMs : 0,
    users: of("users"),
    products: of("products"),
    orders: of("orders"),
    notifications: of("notifications"),
    postgres: cpuOfCommand("postgres"),
    redis: cpuOfCommand("redis-server"),
  };
}

try {
  const customers = [...seededCustomers, ...(await registerUsers(stack.urls.users, 60))];
  const totalOrders =
    rates.reduce((sum, r) => sum + r * seconds, 0) * 2 + contention.orders + 200 * Number(args["warmup-seconds"]);
  log(`minting ${totalOrders} customer tokens`);
  const tokens = await createTokenPool(signer, totalOrders, customers);

  // Plenty of stock for the load; one other product (never in the load) holds the contention units.
  const contended = seedProducts.find((p) => !p.archived && !orderableProducts.includes(p.id))!.id;
  const stock = new Map<string, number>([
    ...orderableProducts.map((id) => [id, PLENTY] as const),
    [contended, contention.units],
  ]);
  await setStock(stack.databases.products, stock);
  const mark = await orderMark(stack.databases.orders);

  gateway = await startShopgraphGateway(bench, "checkout");
  const targets = { direct: stack.urls.orders, gateway: gateway.url } as const;

  let orderIndex = 0;
  const outcomes = { paid: 0, outOfStock: 0, other: 0 };
  const nextOrder = (lines?: { productId: string; quantity: number }[]) => () => {
    const i = orderIndex++;
    const variables = placeOrderVariables(i, orderLines(i));
    if (lines) (variables.input as { lines: unknown }).lines = lines;
    return {
      headers: { authorization: `Bearer ${tokens.next()}` },
      body: JSON.stringify({ query: PLACE_ORDER, variables }),
    };
  };
  /** Success = HTTP 200, no GraphQL errors, the order PAID; OUT_OF_STOCK is a correct answer under contention. */
  const judge = (allowOutOfStock: boolean) => (status: number, body: string) => {
    const paid = status === 200 && !body.includes('"errors"') && body.includes('"status":"PAID"');
    const outOfStock = status === 200 && !body.includes('"errors"') && body.includes('"OUT_OF_STOCK"');
    if (paid) outcomes.paid++;
    else if (outOfStock) outcomes.outOfStock++;
    else outcomes.other++;
    return paid || (allowOutOfStock && outOfStock);
  };
  const drain = async () => {
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && (await pendingOrders(stack.databases.orders, mark)) > 0) await sleep(250);
    await settle(stack, { users: 0, products: 0, orders: 0, notifications: 0 }, 1_000, 15_000);
  };

  log(`warm-up: ${args["warmup-seconds"]} s at 20/s per target`);
  for (const url of Object.values(targets))
    await runOpenLoop({ url, rate: 20, seconds: Number(args["warmup-seconds"]), next: nextOrder(), ok: judge(false) });
  await drain();

  const steps: CheckoutStep[] = [];
  const gaveUp = new Set<string>();
  for (const [i, rate] of rates.entries()) {
    const order: CheckoutStep["target"][] = i % 2 === 0 ? ["direct", "gateway"] : ["gateway", "direct"];
    for (const target of order) {
      if (gaveUp.has(target)) continue;
      const counters = await stack.counters();
      const cpu = cpuNow();
      const started = performance.now();
      outcomes.paid = 0;
      const load = await runOpenLoop({
        url: targets[target],
        rate,
        seconds,
        next: nextOrder(),
        ok: judge(false),
        timeoutMs: 15_000,
        maxInFlight: 1_500,
      });
      const paid = outcomes.paid;
      await drain();
      const windowSeconds = (performance.now() - started) / 1000;
      const cpuAfter = cpuNow();
      const delta = counterDelta(counters, await stack.counters());
      const n = Math.max(1, load.scheduled);
      const cpuMsPerOrder = Object.fromEntries(CPU_PROCESSES.map((p) => [p, (cpuAfter[p] - cpu[p]) / n])) as Record<
        CpuProcess,
        number
      >;
      const busyMs = CPU_PROCESSES.reduce((s, p) => s + cpuAfter[p] - cpu[p], 0);
      const step: CheckoutStep = {
        target,
        rate,
        load,
        paid,
        sqlPerOrder: {
          users: delta.per.users.sql / n,
          products: delta.per.products.sql / n,
          orders: delta.per.orders.sql / n,
          notifications: delta.per.notifications.sql / n,
          total: delta.sql / n,
        },
        requestsPerOrder:
          SUBGRAPHS.reduce((s, name) => s + delta.per[name].requests + delta.per[name].serviceRequests, 0) / n,
        cpuMsPerOrder,
        coresBusy: busyMs / 1000 / windowSeconds,
        windowSeconds,
      };
      steps.push(step);
      log(
        `${rate}/s ${target}: ${load.throughput}/s, p50 ${load.p50} p99 ${load.p99} ms, failed ${load.failed}, SQL/order ${step.sqlPerOrder.total.toFixed(1)}, CPU ms/order orders ${cpuMsPerOrder.orders.toFixed(1)} products ${cpuMsPerOrder.products.toFixed(1)} gateway ${cpuMsPerOrder.gateway.toFixed(1)} pg ${cpuMsPerOrder.postgres.toFixed(1)}${stepPasses(step) ? "" : " (not passing)"}`,
      );
      if (load.p99 > GIVE_UP.p99Ms || load.failed > GIVE_UP.failedShare * load.scheduled) {
        gaveUp.add(target);
        log(`${target}: saturated at ${rate}/s, no higher rates`);
      }
    }
  }

  log(
    `contention: ${contention.orders} orders for ${contention.units} units of one product, through the gateway at ${contention.rate}/s`,
  );
  Object.assign(outcomes, { paid: 0, outOfStock: 0, other: 0 });
  const contentionMark = await orderMark(stack.databases.orders);
  const contentionLoad = await runOpenLoop({
    url: targets.gateway,
    rate: contention.rate,
    seconds: contention.orders / contention.rate,
    next: nextOrder([{ productId: contended, quantity: 1 }]),
    ok: judge(true),
    timeoutMs: 15_000,
  });
  await drain();
  const contentionResult: ContentionResult = {
    ...contention,
    load: contentionLoad,
    paid: outcomes.paid,
    outOfStock: outcomes.outOfStock,
    otherAnswers: outcomes.other,
    audit: (await auditStock(stack.databases, new Map([[contended, contention.units]]), contentionMark)).summary,
  };
  const audit = await auditStock(stack.databases, stock, mark);
  if (!audit.summary.ok) log(`OVERSELL AUDIT FAILED: ${JSON.stringify(audit.summary)}`);

  const report = {
    meta: {
      date: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}, ${process.platform}`,
      load: `open loop at fixed arrival rates (${rates.join(", ")}/s, ${seconds} s each, both targets per rate, order alternating), latency from each order's due time; warm-up ${args["warmup-seconds"]} s at 20/s per target`,
      targets:
        "direct = orders subgraph /graphql; gateway = ONE Shopgraph gateway process (NODE_ENV=production, rate limit off) in front of all four subgraphs",
      duration: `${bench.elapsedSeconds().toFixed(0)} s`,
    },
    steps,
    contention: contentionResult,
    audit: audit.summary,
    statuses: await statusCounts(stack.databases.orders, mark),
    notes: [
      "Every order: unique customer token (pre-signed pool, never reused) and idempotency key, 3–5 lines of one unit, `tok_visa`; success = HTTP 200, no errors, order PAID.",
      "Subgraphs as deployed: own processes, DATABASE_POOL_MAX=10, products entity cache off, simulated payment provider with its default latency (PAYMENT_LATENCY_MS=0, so no payment wait is in these numbers).",
      "A step's window runs from its first arrival until no order of the run is PENDING and the subgraphs are quiet: SQL and CPU per order include the drain, the outbox relays, notifications' consumers and any idle background in that window.",
      "CPU per order of postgres and redis: the whole shared servers (every backend, exited ones included via the postmaster's reaped-children time), so anything else using them on the machine counts too. Cores busy = all listed CPU over the window, out of 2.",
      `A target stops stepping up after a step with p99 > ${GIVE_UP.p99Ms} ms or more than ${GIVE_UP.failedShare * 100}% failed (requests time out after 15 s; beyond 1,500 in flight arrivals are dropped and counted failed).`,
      `Oversell audit: for every product of the run, initial − final stock (products DB) must equal the units on PAID orders (orders DB), and no stock may be negative. Token pool wrapped ${tokens.wrapped} time(s).`,
    ],
  };
  const markdown = renderCheckoutReport(report);
  const out = writeBenchResults(args.out, markdown, { args, ...report, auditRows: audit.rows });
  log(`wrote ${out}.md and ${out}.raw.json`);
} catch (error) {
  failed = true;
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  log(`logs kept in ${logDir}`);
} finally {
  await gateway?.stop();
  await stack.close();
  if (!failed) rmSync(workDir, { recursive: true, force: true });
  process.exitCode = failed ? 1 : 0;
}
