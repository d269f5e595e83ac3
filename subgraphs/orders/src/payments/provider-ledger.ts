import type { CurrencyCode } from "@shopgraph/subgraph-kit";
import type { Db } from "../db/client.ts";
import type { ProviderCharge, ProviderChargeStatus } from "../db/generated/client.ts";
import type { ChargeRecord } from "../domain/payment-provider.ts";

/** A charge as the provider first records it. */
export interface NewCharge {
  orderId: string;
  reference: string;
  status: ProviderChargeStatus;
  amountMinor: bigint;
  currencyCode: CurrencyCode | null;
  declineCode: string | null;
}

/** The simulated provider's books: one row per order id, changed only by guarded transitions. */
export interface ProviderLedger {
  find(orderId: string): Promise<ChargeRecord | null>;
  /** Records a charge unless the order already has one (first writer wins); returns the stored row. */
  insertIfAbsent(charge: NewCharge): Promise<ChargeRecord>;
  /** Records a charge unless the order already has one; the stored row when this call wrote it, else null (one statement). */
  insertNew(charge: NewCharge): Promise<ChargeRecord | null>;
  /** AUTHORIZED → CAPTURED for the whole amount in one statement; the captured row, or null when the charge was not AUTHORIZED. */
  captureAuthorized(orderId: string): Promise<ChargeRecord | null>;
  /** Moves the charge on only from the expected status; returns the row as it now stands. */
  transition(
    orderId: string,
    from: ProviderChargeStatus,
    data: { status: ProviderChargeStatus; capturedMinor?: bigint; refundedMinor?: bigint; declineCode?: string },
  ): Promise<ChargeRecord | null>;
}

const toRecord = (row: ProviderCharge): ChargeRecord => ({
  orderId: row.orderId,
  reference: row.reference,
  status: row.status,
  amountMinor: row.amountMinor,
  capturedMinor: row.capturedMinor,
  refundedMinor: row.refundedMinor,
  declineCode: row.declineCode,
});

/**
 * The ledger in the ProviderCharge table. It lives in the orders database for convenience but is
 * written outside every orders transaction, like a remote provider's records: it survives a
 * crash of the process, which is what checkout recovery relies on to learn whether money moved.
 */
export function createDbProviderLedger(db: Db): ProviderLedger {
  const find = async (orderId: string) => {
    const row = await db.providerCharge.findUnique({ where: { orderId } });
    return row ? toRecord(row) : null;
  };
  return {
    find,
    async insertNew(charge) {
      // ON CONFLICT DO NOTHING: concurrent authorizations of one order collide on the primary key.
      const rows = await db.$queryRaw<ProviderCharge[]>`
        INSERT INTO "ProviderCharge" ("orderId", "reference", "status", "amountMinor", "currencyCode", "declineCode")
        VALUES (${charge.orderId}::uuid, ${charge.reference}, ${charge.status}::"ProviderChargeStatus", ${charge.amountMinor}::bigint, ${charge.currencyCode}::"CurrencyCode", ${charge.declineCode}::text)
        ON CONFLICT DO NOTHING
        RETURNING *`;
      return rows[0] ? toRecord(rows[0]) : null;
    },
    async captureAuthorized(orderId) {
      const rows = await db.$queryRaw<ProviderCharge[]>`
        UPDATE "ProviderCharge" SET "status" = 'CAPTURED', "capturedMinor" = "amountMinor", "updatedAt" = now()
        WHERE "orderId" = ${orderId}::uuid AND "status" = 'AUTHORIZED'
        RETURNING *`;
      return rows[0] ? toRecord(rows[0]) : null;
    },
    async insertIfAbsent(charge) {
      // ON CONFLICT DO NOTHING: concurrent authorizations of one order collide on the primary key.
      await db.providerCharge.createMany({ data: [charge], skipDuplicates: true });
      const stored = await find(charge.orderId);
      if (!stored) throw new Error(`provider ledger lost charge ${charge.orderId}`);
      return stored;
    },
    async transition(orderId, from, data) {
      await db.providerCharge.updateMany({ where: { orderId, status: from }, data });
      return find(orderId);
    },
  };
}
