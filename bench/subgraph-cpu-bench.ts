/**
 * Subgraph CPU per heavy admin operation (issue 16 §3), counted rather than timed: the heavy query
 * is sent N times one after another through one Shopgraph gateway process, and each subgraph's
 * CPU (user + system, /proc) over those N operations is divided by N. A fixed count over one
 * connection keeps the figure about the work of one operation, not about queueing on a shared
 * machine (CPU time still grows somewhat with the machine's load: say it with the figure).
 *
 *   node bench/subgraph-cpu-bench.ts [--operations 150] [--rounds 3]
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { startBenchStack, startShopgraphGateway } from "./lib/bench-stack.ts";
import { settle } from "./lib/measure.ts";
import { sampleTree } from "./lib/procfs.ts";
import { HEAVY_QUERY } from "./lib/scenarios.ts";
import { placeOrders, registerUsers, seededAdmin, seededCustomers } from "./lib/seed-data.ts";
import { SUBGRAPHS, type SubgraphName } from "./lib/stack.ts";
import { createTokenPool } from "./lib/tokens.ts";

const { values: args } = parseArgs({
  options: { operations: { type: "string", default: "150" }, rounds: { type: "string", default: "3" } },
});
const operations = Number(args.operations);
const rounds = Number(args.rounds);

const bench = await startBenchStack({ tag: "subgraph-cpu", productsCache: "off" });
const { stack, log, signer } = bench;
try {
  log("seeding: 110 customers, 100 orders");
  const customers = [...seededCustomers, ...(await registerUsers(stack.urls.users, 110))];
  await placeOrders(stack.urls.orders, signer, customers, 100);
  const tokens = await createTokenPool(signer, operations * (rounds + 1), [seededAdmin]);
  const gateway = await startShopgraphGateway(bench, "subgraph-cpu");
  const once = async () => {
    const res = await fetch(gateway.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${tokens.next()}` },
      body: JSON.stringify({ query: HEAVY_QUERY }),
    });
    const body = (await res.json()) as { errors?: unknown; data?: { orders?: { edges?: unknown[] } } };
    if (res.status !== 200 || body.errors || body.data?.orders?.edges?.length !== 100)
      throw new Error(`heavy query failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  };
  const cpu = () =>
    Object.fromEntries(SUBGRAPHS.map((n) => [n, sampleTree(stack.pidOf(n)).cpuMs])) as Record<SubgraphName, number>;
  for (let i = 0; i < 20; i++) await once(); // warm-up: compile, JIT, pools
  const results: Record<SubgraphName | "total", number>[] = [];
  for (let round = 0; round <= rounds; round++) {
    await settle(stack, { users: 2, products: 2, orders: 3, notifications: 2 }, 1_000, 15_000);
    const before = cpu();
    const load = loadavg()[0]!;
    for (let i = 0; i < operations; i++) await once();
    const after = cpu();
    const per = Object.fromEntries(SUBGRAPHS.map((n) => [n, (after[n] - before[n]) / operations])) as Record<
      SubgraphName,
      number
    >;
    const total = SUBGRAPHS.reduce((sum, n) => sum + per[n], 0);
    if (round > 0) results.push({ ...per, total });
    log(
      `${round === 0 ? "warm-up round" : `round ${round}`}: ${operations} heavy operations, load average ${load.toFixed(1)}; ` +
        `subgraph CPU ms/op ${SUBGRAPHS.map((n) => `${n} ${per[n].toFixed(1)}`).join(", ")}, total ${total.toFixed(1)}`,
    );
  }
  const median = (key: SubgraphName | "total") =>
    results.map((r) => r[key]).sort((a, b) => a - b)[results.length >> 1]!;
  log(
    `median of ${rounds} rounds: ${[...SUBGRAPHS, "total" as const].map((k) => `${k} ${median(k).toFixed(1)}`).join(", ")} ms/op`,
  );
  await gateway.stop();
} finally {
  await stack.close();
}
