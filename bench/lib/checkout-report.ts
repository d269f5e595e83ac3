import type { AuditSummary } from "./checkout-db.ts";
import type { OpenLoopResult } from "./open-loop.ts";

/** Processes whose CPU the checkout bench attributes per order. */
export const CPU_PROCESSES = ["gateway", "users", "products", "orders", "notifications", "postgres", "redis"] as const;
/** One of them. */
export type CpuProcess = (typeof CPU_PROCESSES)[number];

/** One step: one arrival rate against one target. */
export interface CheckoutStep {
  target: "gateway" | "direct";
  rate: number;
  load: OpenLoopResult;
  /** Orders that ended PAID (from the answers). */
  paid: number;
  /** SQL statements per order (all statements of every subgraph in the step's window, background included). */
  sqlPerOrder: Record<"users" | "products" | "orders" | "notifications", number> & { total: number };
  /** Subgraph HTTP requests per order (service-to-service calls included). */
  requestsPerOrder: number;
  /** CPU ms per order of each process (postgres and redis: every such process on the machine). */
  cpuMsPerOrder: Record<CpuProcess, number>;
  /** Cores busy over the step's window, all processes above together. */
  coresBusy: number;
  /** Length of the step's window: the load, its drain and the settle. */
  windowSeconds: number;
}

/** The contention scenario's outcome. */
export interface ContentionResult {
  units: number;
  orders: number;
  rate: number;
  load: OpenLoopResult;
  paid: number;
  outOfStock: number;
  otherAnswers: number;
  audit: AuditSummary;
}

/** The checkout bench's report inputs. */
export interface CheckoutReport {
  meta: Record<string, string>;
  steps: CheckoutStep[];
  contention: ContentionResult;
  audit: AuditSummary;
  statuses: Record<string, number>;
  notes: string[];
}

const P99_LIMIT_MS = 250;

/** A step passes when every order succeeded and p99 stays under the target. */
export const stepPasses = (s: CheckoutStep) => s.load.failed === 0 && s.load.p99 < P99_LIMIT_MS;

/** Highest rate at which a target passed (every lower measured rate passed too), 0 if none. */
export function maxSustained(steps: readonly CheckoutStep[], target: CheckoutStep["target"]): number {
  let best = 0;
  for (const s of steps.filter((x) => x.target === target).sort((a, b) => a.rate - b.rate)) {
    if (!stepPasses(s)) break;
    best = s.rate;
  }
  return best;
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "–");
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "–");

/** Renders bench/results/checkout.md. */
export function renderCheckoutReport(r: CheckoutReport): string {
  const gw = maxSustained(r.steps, "gateway");
  const direct = maxSustained(r.steps, "direct");
  const met = gw >= 200 && r.audit.ok && r.contention.audit.ok;
  const lines = [
    "# Checkout benchmark: placeOrder at fixed arrival rates (issue 4)",
    "",
    ...Object.entries(r.meta).map(([k, v]) => `- **${k}**: ${v}`),
    "",
    "## Target",
    "",
    "| | measured | met |",
    "|---|---|---|",
    `| ≥ 200 orders/s through the gateway with p99 < ${P99_LIMIT_MS} ms, no failures | highest passing rate ${gw}/s (direct to orders: ${direct}/s; gateway/direct ${direct > 0 ? (gw / direct).toFixed(2) : "–"}×) | ${met ? "yes" : "**no**"} |`,
    `| zero oversell (all products of the run) | ${r.audit.paidUnits} PAID units = ${r.audit.stockTaken} taken from stock; ${r.audit.negativeStock} negative; ${r.audit.mismatched.length} mismatched | ${r.audit.ok ? "yes" : "**no**"} |`,
    `| zero oversell (contention: ${r.contention.orders} orders for ${r.contention.units} units) | ${r.contention.paid} PAID, ${r.contention.outOfStock} OUT_OF_STOCK, ${r.contention.otherAnswers} other; stock taken ${r.contention.audit.stockTaken}, negative ${r.contention.audit.negativeStock} | ${r.contention.audit.ok && r.contention.paid <= r.contention.units ? "yes" : "**no**"} |`,
    "",
    "## Steps (interleaved: each rate runs against both targets before the next rate)",
    "",
    "| rate/s | target | achieved/s | PAID | failed | p50 ms | p90 ms | p99 ms | max ms | send lag p99 | SQL/order (orders / products / other) | subgraph req/order | CPU ms/order: gateway / orders / products / users / notif. / postgres / redis | cores busy | pass |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---|",
    ...r.steps.map((s) => {
      const c = s.cpuMsPerOrder;
      const other = s.sqlPerOrder.users + s.sqlPerOrder.notifications;
      return `| ${s.rate} | ${s.target} | ${f1(s.load.throughput)} | ${s.paid} | ${s.load.failed} | ${f0(s.load.p50)} | ${f0(s.load.p90)} | ${f0(s.load.p99)} | ${f0(s.load.max)} | ${f0(s.load.sendLagP99)} | ${f1(s.sqlPerOrder.total)} (${f1(s.sqlPerOrder.orders)} / ${f1(s.sqlPerOrder.products)} / ${f1(other)}) | ${f1(s.requestsPerOrder)} | ${f1(c.gateway)} / ${f1(c.orders)} / ${f1(c.products)} / ${f1(c.users)} / ${f1(c.notifications)} / ${f1(c.postgres)} / ${f1(c.redis)} | ${s.coresBusy.toFixed(2)} | ${stepPasses(s) ? "yes" : "no"} |`;
    }),
    "",
    "## Contention",
    "",
    `${r.contention.orders} single-line orders for one product holding ${r.contention.units} units, through the gateway at ${r.contention.rate}/s: ${r.contention.paid} PAID, ${r.contention.outOfStock} answered OUT_OF_STOCK, ${r.contention.otherAnswers} other; p50 ${f0(r.contention.load.p50)} ms, p99 ${f0(r.contention.load.p99)} ms. From the databases: stock ${r.contention.units} → ${r.contention.units - r.contention.audit.stockTaken}, PAID units ${r.contention.audit.paidUnits}, committed reservations ${r.contention.audit.committedUnits}.`,
    "",
    `Orders of the run by status: ${Object.entries(r.statuses)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}.`,
    "",
    "## Method",
    "",
    ...r.notes.map((n) => `- ${n}`),
    "",
  ];
  return lines.join("\n");
}
