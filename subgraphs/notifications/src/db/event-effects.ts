import type { Db } from "./client.ts";
import type { Prisma } from "./generated/client.ts";

/** What a notification is about (the database enum of the same name). */
export type NotificationKind =
  | "WELCOME"
  | "ORDER_CONFIRMED"
  | "PAYMENT_FAILED"
  | "ORDER_SHIPPED"
  | "ORDER_DELIVERED"
  | "ORDER_CANCELLED"
  | "LOW_STOCK"
  | "ACCOUNT_LOCKED";

/** The transaction an event's effects commit in, opaque to the domain: handed back to the functions here. */
export type EventTx = Prisma.TransactionClient;

/** An in-app notification to write for one recipient of an event. */
export interface NewNotification {
  eventId: string;
  kind: NotificationKind;
  userId: string;
  title: string;
  body: string;
  orderId: string | null;
}

/** An email, SMS or push (one per device) to queue for one recipient of an event (the sender picks it up). */
export interface NewDelivery {
  eventId: string;
  kind: NotificationKind;
  userId: string;
  channel: "EMAIL" | "SMS" | "PUSH";
  /** Email address, E.164 number or push token. */
  recipient: string;
  subject: string | null;
  body: string;
  nextAttemptAt: Date;
  /** Trace context of the event, so the later send joins its trace. */
  traceparent: string | null;
}

/** Runs an event's effects in one interactive transaction (committed when `work` resolves). */
export function inEventTransaction<T>(db: Db, work: (tx: EventTx) => Promise<T>): Promise<T> {
  return db.$transaction(work);
}

/** Records the event as processed; false when it already was (a redelivery: change nothing). */
export async function recordProcessedEvent(tx: EventTx, event: { id: string; type: string }): Promise<boolean> {
  const recorded = await tx.processedEvent.createMany({
    data: [{ eventId: event.id, type: event.type }],
    skipDuplicates: true,
  });
  return recorded.count > 0;
}

/** A notification row just written (what `notification.created` announces). */
export interface CreatedNotification {
  id: string;
  userId: string;
  kind: NotificationKind;
  orderId: string | null;
}

/** Writes in-app notifications; the unique key (eventId, userId) skips any already written. Returns the rows written now. */
export async function insertNotifications(
  tx: EventTx,
  notifications: readonly NewNotification[],
): Promise<CreatedNotification[]> {
  return tx.notification.createManyAndReturn({
    data: [...notifications],
    skipDuplicates: true,
    select: { id: true, userId: true, kind: true, orderId: true },
  });
}

/** Queues deliveries; the unique key (eventId, userId, channel, recipient) skips any already queued. */
export async function insertDeliveries(tx: EventTx, deliveries: readonly NewDelivery[]): Promise<void> {
  await tx.delivery.createMany({ data: [...deliveries], skipDuplicates: true });
}
