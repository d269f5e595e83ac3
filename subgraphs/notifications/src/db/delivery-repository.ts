import { createdAtAfter, NEWEST_FIRST } from "@shopgraph/subgraph-kit";
import type { Db } from "./client.ts";
import type { NotificationKind } from "./event-effects.ts";
import type { Prisma } from "./generated/client.ts";

/** A channel a notification goes out on (the database enum of the same name). */
export type NotificationChannel = "EMAIL" | "SMS" | "IN_APP" | "PUSH";
/** Where a delivery stands (the database enum of the same name). */
export type DeliveryStatus = "PENDING" | "SENT" | "FAILED" | "DEAD_LETTERED";

/** One email, SMS or push send (push: one per device) and its retry history. */
export interface Delivery {
  id: string;
  userId: string;
  eventId: string | null;
  channel: NotificationChannel;
  kind: NotificationKind;
  recipient: string;
  subject: string | null;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  sentAt: Date | null;
  traceparent: string | null;
}

/** Filters of the ADMIN delivery log. */
export interface DeliveryFilter {
  channel?: NotificationChannel | null;
  status?: DeliveryStatus | null;
}

const filterWhere = (filter: DeliveryFilter): Prisma.DeliveryWhereInput => ({
  ...(filter.channel ? { channel: filter.channel } : {}),
  ...(filter.status ? { status: filter.status } : {}),
});

/** A newest-first page of the delivery log (fetches first + 1 to know whether there is more). */
export function listDeliveries(
  db: Db,
  first: number,
  after: string | null | undefined,
  filter: DeliveryFilter,
): Promise<Delivery[]> {
  const cursor = createdAtAfter(after) as Prisma.DeliveryWhereInput | undefined;
  return db.delivery.findMany({
    where: { AND: [filterWhere(filter), ...(cursor ? [cursor] : [])] },
    orderBy: [...NEWEST_FIRST],
    take: first + 1,
  });
}

/** Size of the filtered delivery log. */
export const countDeliveries = (db: Db, filter: DeliveryFilter): Promise<number> =>
  db.delivery.count({ where: filterWhere(filter) });

/** A delivery leased for one send attempt. */
export interface ClaimedDelivery {
  id: string;
  /** The recipient user: a push token is sent to only while this user still holds it. */
  userId: string;
  channel: NotificationChannel;
  kind: NotificationKind;
  recipient: string;
  subject: string | null;
  body: string;
  /** Attempts before this one. */
  attempts: number;
  /** Trace context of the event that queued the delivery (null: untraced). */
  traceparent: string | null;
}

/**
 * Leases due deliveries (PENDING, or FAILED whose backoff elapsed) by pushing their nextAttemptAt
 * `leaseMs` ahead: SKIP LOCKED keeps concurrent senders (several instances) on disjoint rows, and
 * a sender that dies mid-send leaves a row that becomes due again when the lease runs out.
 */
export function claimDueDeliveries(db: Db, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
  return db.$queryRaw<ClaimedDelivery[]>`
    UPDATE "Delivery" SET "nextAttemptAt" = now() + make_interval(secs => ${leaseMs / 1000}::double precision)
    WHERE id IN (
      SELECT id FROM "Delivery"
      WHERE status IN ('PENDING', 'FAILED') AND "nextAttemptAt" <= now()
      ORDER BY "nextAttemptAt"
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id, "userId", channel::text AS channel, kind::text AS kind, recipient, subject, body, attempts, traceparent`;
}

/**
 * Records a successful send and, for a push, that its device was just used: one statement, so the
 * two never disagree.
 */
export async function markDeliverySent(
  db: Db,
  id: string,
  attempts: number,
  pushDeviceId: string | null = null,
): Promise<void> {
  await db.$executeRaw`
    WITH sent AS (
      UPDATE "Delivery" SET status = 'SENT', attempts = ${attempts}, "sentAt" = now(), "lastError" = NULL, "nextAttemptAt" = NULL
      WHERE id = ${id}::uuid
    )
    UPDATE "PushDevice" SET "lastUsedAt" = now() WHERE id = ${pushDeviceId}::uuid`;
}

/** Records a failed send: FAILED with the next try scheduled, or DEAD_LETTERED (nextAttemptAt null). */
export function markDeliveryFailed(
  db: Db,
  id: string,
  attempts: number,
  error: string,
  nextAttemptAt: Date | null,
): Promise<unknown> {
  return db.delivery.update({
    where: { id },
    data: { status: nextAttemptAt ? "FAILED" : "DEAD_LETTERED", attempts, lastError: error, nextAttemptAt },
  });
}
