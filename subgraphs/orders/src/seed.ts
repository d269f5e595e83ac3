import type { Logger } from "@shopgraph/logger";
import type { Db } from "./db/client.ts";

/**
 * Inserts the fixtures' orders (lines, payments, and the provider's matching ledger rows, so
 * cancelling a seeded order refunds real simulated money) into an empty database.
 */
export async function seedOrdersDatabase(db: Db, logger: Logger): Promise<void> {
  if ((await db.order.count()) > 0) return;
  // Loaded only now: the fixtures are built when imported (~0.1 CPU s and their memory for the
  // process's lifetime), which a warm start, whose database is already seeded, never needs.
  const { seedOrders } = await import("@shopgraph/fixtures");
  await db.$transaction(
    async (tx) => {
      await tx.order.createMany({
        data: seedOrders.map((o) => ({
          id: o.id,
          number: o.number,
          customerId: o.customerId,
          status: o.status,
          currencyCode: o.currencyCode,
          subtotalMinor: o.subtotalMinor,
          totalMinor: o.totalMinor,
          shipName: o.shippingAddress.name,
          shipLine1: o.shippingAddress.line1,
          shipLine2: o.shippingAddress.line2 ?? null,
          shipCity: o.shippingAddress.city,
          shipPostalCode: o.shippingAddress.postalCode,
          shipCountry: o.shippingAddress.country,
          trackingNumber: o.trackingNumber ?? null,
          createdAt: o.createdAt,
          updatedAt: o.createdAt,
        })),
      });
      await tx.orderLine.createMany({
        data: seedOrders.flatMap((o) => o.lines.map((line) => ({ ...line, orderId: o.id }))),
      });
      const reference = (number: number) => `ch_seed_${String(number).padStart(6, "0")}`;
      await tx.payment.createMany({
        data: seedOrders.map((o) => ({
          id: o.payment.id,
          orderId: o.id,
          status: o.payment.status,
          amountMinor: o.payment.amountMinor,
          currencyCode: o.currencyCode,
          providerRef: reference(o.number),
          failureReason: o.payment.failureReason ?? null,
          createdAt: o.createdAt,
          updatedAt: o.createdAt,
        })),
      });
      await tx.providerCharge.createMany({
        data: seedOrders.map((o) => {
          const captured = o.payment.status === "DECLINED" ? 0n : o.payment.amountMinor;
          return {
            orderId: o.id,
            reference: reference(o.number),
            status: o.payment.status,
            amountMinor: o.payment.amountMinor,
            currencyCode: o.currencyCode,
            capturedMinor: captured,
            refundedMinor: o.payment.status === "REFUNDED" ? captured : 0n,
            declineCode: o.payment.failureReason ?? null,
            createdAt: o.createdAt,
          };
        }),
      });
      // Explicit numbers bypass the sequence: move it past them or the next checkout collides.
      await tx.$executeRaw`SELECT setval(pg_get_serial_sequence('"Order"', 'number'), (SELECT MAX("number") FROM "Order"))`;
      // Seeding is one bulk transaction; on the embedded database under load it outlasts Prisma's 5 s default.
    },
    { timeout: 60_000, maxWait: 60_000 },
  );
  logger.info({ orders: seedOrders.length }, "seeded demo orders");
}
