import type { Logger } from "@shopgraph/logger";
import type { Db } from "./db/client.ts";

/**
 * Inserts the demo data into an empty database (development and e2e tests): a Contact per seeded
 * user (what user.registered would have recorded), the main customer's notifications,
 * preferences and delivery history. Seeded deliveries have no nextAttemptAt: never re-sent.
 */
export async function seedNotificationsDatabase(db: Db, logger: Logger): Promise<void> {
  if ((await db.contact.count()) > 0 || (await db.notification.count()) > 0) return;
  // Loaded only now: the fixtures are built when imported (~0.1 CPU s and their memory for the
  // process's lifetime), which a warm start, whose database is already seeded, never needs.
  const { seedDeliveries, seedNotifications, seedPreferences, seedUsers } = await import("@shopgraph/fixtures");
  await db.$transaction([
    db.contact.createMany({
      data: seedUsers.map((u) => ({ userId: u.id, email: u.email, name: u.name, role: u.role })),
      skipDuplicates: true,
    }),
    db.notification.createMany({
      data: seedNotifications.map((n) => ({
        id: n.id,
        userId: n.userId,
        kind: n.kind,
        title: n.title,
        body: n.body,
        orderId: n.orderId ?? null,
        readAt: n.readAt ?? null,
        createdAt: n.createdAt,
      })),
      skipDuplicates: true,
    }),
    db.notificationPreference.createMany({ data: seedPreferences.map((p) => ({ ...p })), skipDuplicates: true }),
    db.delivery.createMany({
      data: seedDeliveries.map((d) => ({
        id: d.id,
        userId: d.userId,
        channel: d.channel,
        kind: d.kind,
        recipient: d.recipient,
        subject: d.subject,
        body: d.body,
        status: d.status,
        attempts: d.attempts,
        lastError: d.lastError ?? null,
        createdAt: d.createdAt,
        sentAt: d.sentAt ?? null,
      })),
      skipDuplicates: true,
    }),
  ]);
  logger.info(
    { contacts: seedUsers.length, notifications: seedNotifications.length, deliveries: seedDeliveries.length },
    "seeded demo notifications",
  );
}
