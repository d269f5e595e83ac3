import { randomUUID } from "node:crypto";
import type { Db } from "./client.ts";

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
  /** Trace context of the event, so the later send joins its trace. */
  traceparent: string | null;
}

/** A notification row just written (what `notification.created` announces). */
export interface CreatedNotification {
  id: string;
  userId: string;
  kind: NotificationKind;
  orderId: string | null;
}

/** Everything one event changes, written together by {@link commitEventEffects}. */
export interface EventEffects {
  event: { id: string; type: string };
  /** The contact the event carries (user.registered, user.login_locked): inserted or refreshed. */
  contact?: { userId: string; email: string; name: string; role: string } | undefined;
  notifications: readonly NewNotification[];
  /** Queued due now: the sender picks them up. */
  deliveries: readonly NewDelivery[];
}

/** What {@link commitEventEffects} wrote; `isDuplicate` when the event was already processed (nothing written). */
export interface CommittedEffects {
  isDuplicate: boolean;
  /** In-app notifications written now. */
  created: CreatedNotification[];
  /** Deliveries queued now. */
  queued: number;
}

interface CommitRow {
  isNew: boolean;
  queued: number;
  id: string | null;
  userId: string | null;
  kind: NotificationKind | null;
  orderId: string | null;
}

/**
 * Records the event as processed and writes its effects (contact, in-app notifications, queued
 * deliveries) in ONE statement, so atomically: every write is driven by the ProcessedEvent insert,
 * and a redelivered event (at-least-once) finds its row and changes nothing. The unique keys
 * (eventId, userId[, channel, recipient]) back that guard up. Ids are minted here (the schema's
 * `@default(uuid())` is client-side).
 */
export async function commitEventEffects(db: Db, effects: EventEffects): Promise<CommittedEffects> {
  const { event, contact, notifications: n, deliveries: d } = effects;
  const contacts = contact ? [contact] : [];
  const rows = await db.$queryRaw<CommitRow[]>`
    WITH processed AS (
      INSERT INTO "ProcessedEvent" ("eventId", type) VALUES (${event.id}::uuid, ${event.type})
      ON CONFLICT ("eventId") DO NOTHING
      RETURNING 1
    ), contact AS (
      INSERT INTO "Contact" ("userId", email, name, role, "updatedAt")
      SELECT c."userId", c.email, c.name, c.role, now()
      FROM unnest(${contacts.map((c) => c.userId)}::uuid[], ${contacts.map((c) => c.email)}::text[],
        ${contacts.map((c) => c.name)}::text[], ${contacts.map((c) => c.role)}::text[]) AS c("userId", email, name, role)
      WHERE EXISTS (SELECT 1 FROM processed)
      ON CONFLICT ("userId") DO UPDATE SET
        email = EXCLUDED.email, name = EXCLUDED.name, role = EXCLUDED.role, "updatedAt" = EXCLUDED."updatedAt"
    ), notified AS (
      INSERT INTO "Notification" (id, "eventId", kind, "userId", title, body, "orderId")
      SELECT x.id, x."eventId", x.kind::"NotificationKind", x."userId", x.title, x.body, x."orderId"
      FROM unnest(${n.map(() => randomUUID())}::uuid[], ${n.map((x) => x.eventId)}::uuid[], ${n.map((x) => x.kind)}::text[],
        ${n.map((x) => x.userId)}::uuid[], ${n.map((x) => x.title)}::text[], ${n.map((x) => x.body)}::text[],
        ${n.map((x) => x.orderId)}::uuid[]) AS x(id, "eventId", kind, "userId", title, body, "orderId")
      WHERE EXISTS (SELECT 1 FROM processed)
      ON CONFLICT ("eventId", "userId") DO NOTHING
      RETURNING id, "userId", kind, "orderId"
    ), queued AS (
      INSERT INTO "Delivery" (id, "eventId", kind, "userId", channel, recipient, subject, body, "nextAttemptAt", traceparent)
      SELECT x.id, x."eventId", x.kind::"NotificationKind", x."userId", x.channel::"NotificationChannel", x.recipient,
        x.subject, x.body, now(), x.traceparent
      FROM unnest(${d.map(() => randomUUID())}::uuid[], ${d.map((x) => x.eventId)}::uuid[], ${d.map((x) => x.kind)}::text[],
        ${d.map((x) => x.userId)}::uuid[], ${d.map((x) => x.channel)}::text[], ${d.map((x) => x.recipient)}::text[],
        ${d.map((x) => x.subject)}::text[], ${d.map((x) => x.body)}::text[], ${d.map((x) => x.traceparent)}::text[])
        AS x(id, "eventId", kind, "userId", channel, recipient, subject, body, traceparent)
      WHERE EXISTS (SELECT 1 FROM processed)
      ON CONFLICT ("eventId", "userId", channel, recipient) DO NOTHING
      RETURNING 1
    ), summary AS (
      SELECT EXISTS (SELECT 1 FROM processed) AS "isNew", (SELECT count(*) FROM queued)::int AS queued
    )
    SELECT s."isNew", s.queued, n.id::text AS id, n."userId"::text AS "userId", n.kind::text AS kind,
      n."orderId"::text AS "orderId"
    FROM summary s LEFT JOIN notified n ON true`;
  const [first] = rows;
  return {
    isDuplicate: first?.isNew !== true,
    queued: first?.queued ?? 0,
    created: rows.flatMap((r) =>
      r.id && r.userId && r.kind ? [{ id: r.id, userId: r.userId, kind: r.kind, orderId: r.orderId }] : [],
    ),
  };
}

/** Whether the event's effects are already committed (a redelivery). */
export async function isEventProcessed(db: Db, eventId: string): Promise<boolean> {
  return (await db.processedEvent.count({ where: { eventId } })) > 0;
}
