import { seedOrders } from "@shopgraph/fixtures";
import type { TestOrders } from "./harness.ts";

const SOLD = ["PAID", "SHIPPED", "DELIVERED"] as const;
const seedIds = new Set(seedOrders.map((o) => o.id));

/** Stock and money as the invariants see them, computed from the databases and the fake's stock. */
export async function measure(orders: TestOrders, initialStock: ReadonlyMap<string, number>) {
  const lines = await orders.db.orderLine.findMany({
    where: { order: { status: { in: [...SOLD] } } },
    select: { orderId: true, productId: true, quantity: true },
  });
  const sold = new Map<string, number>();
  for (const line of lines)
    if (!seedIds.has(line.orderId)) sold.set(line.productId, (sold.get(line.productId) ?? 0) + line.quantity);
  const ledger = await orders.db.providerCharge.aggregate({ _sum: { capturedMinor: true, refundedMinor: true } });
  const soldTotal = await orders.db.order.aggregate({
    where: { status: { in: [...SOLD] } },
    _sum: { totalMinor: true },
  });
  const capturedPayments = await orders.db.payment.aggregate({
    where: { status: "CAPTURED" },
    _sum: { amountMinor: true },
  });
  const badTotals = await orders.db.$queryRaw<{ id: string }[]>`
    SELECT o.id FROM "Order" o JOIN "OrderLine" l ON l."orderId" = o.id
    GROUP BY o.id HAVING o."subtotalMinor" <> SUM(l."lineTotalMinor") OR o."totalMinor" <> o."subtotalMinor"
      OR bool_or(l."lineTotalMinor" <> l."unitPriceMinor" * l.quantity)`;
  return {
    pending: await orders.db.order.count({ where: { status: "PENDING" } }),
    sagasInFlight: await orders.db.order.count({ where: { sagaStep: { not: null } } }),
    heldUnits: orders.products.heldUnits(),
    /** Per product: initial − (current + sold). Every entry must be 0. */
    stockDrift: [...initialStock]
      .map(([id, initial]) => initial - orders.products.stockOf(id) - (sold.get(id) ?? 0))
      .filter((d) => d !== 0),
    netCaptured: (ledger._sum.capturedMinor ?? 0n) - (ledger._sum.refundedMinor ?? 0n),
    soldTotal: soldTotal._sum.totalMinor ?? 0n,
    capturedPayments: capturedPayments._sum.amountMinor ?? 0n,
    ordersWithWrongTotals: badTotals.length,
  };
}

/** The conservation laws every test run must end with. */
export const SETTLED = { pending: 0, sagasInFlight: 0, heldUnits: 0, stockDrift: [], ordersWithWrongTotals: 0 };
