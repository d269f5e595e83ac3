import { createdAtAfter, NEWEST_FIRST } from "@shopgraph/subgraph-kit";
import type { Db } from "./client.ts";
import type { NotificationKind } from "./event-effects.ts";
import type { Prisma } from "./generated/client.ts";

/** An in-app notification. */
export interface Notification {
  id: string;
  userId: string;
  kind: NotificationKind;
  title: string;
  body: string;
  orderId: string | null;
  eventId: string | null;
  readAt: Date | null;
  createdAt: Date;
}

/** Notifications by id, in one query (DataLoader batches entity references). */
export function findNotificationsByIds(db: Db, ids: readonly string[]): Promise<Notification[]> {
  return db.notification.findMany({ where: { id: { in: [...ids] } } });
}

const ownedBy = (userId: string, unreadOnly: boolean): Prisma.NotificationWhereInput =>
  unreadOnly ? { userId, readAt: null } : { userId };

/** A newest-first page of a user's notifications (fetches first + 1 to know whether there is more). */
export function listNotifications(
  db: Db,
  userId: string,
  first: number,
  after: string | null | undefined,
  unreadOnly: boolean,
): Promise<Notification[]> {
  const cursor = createdAtAfter(after) as Prisma.NotificationWhereInput | undefined;
  return db.notification.findMany({
    where: { AND: [ownedBy(userId, unreadOnly), ...(cursor ? [cursor] : [])] },
    orderBy: [...NEWEST_FIRST],
    take: first + 1,
  });
}

/** How many notifications the user has (optionally unread only). */
export const countNotifications = (db: Db, userId: string, unreadOnly: boolean): Promise<number> =>
  db.notification.count({ where: ownedBy(userId, unreadOnly) });

/** Unread counts of several users in one query (DataLoader batches). */
export async function countUnreadByUsers(
  db: Db,
  userIds: readonly string[],
): Promise<{ userId: string; count: number }[]> {
  const groups = await db.notification.groupBy({
    by: ["userId"],
    where: { userId: { in: [...userIds] }, readAt: null },
    _count: { _all: true },
  });
  return groups.map((g) => ({ userId: g.userId, count: g._count._all }));
}

/** Marks one of the user's notifications read (keeps the first readAt); null when it is not theirs. */
export async function markNotificationRead(db: Db, userId: string, id: string): Promise<Notification | null> {
  await db.notification.updateMany({ where: { id, userId, readAt: null }, data: { readAt: new Date() } });
  return db.notification.findFirst({ where: { id, userId } });
}

/** Marks all of the user's unread notifications read; returns how many changed. */
export async function markAllNotificationsRead(db: Db, userId: string): Promise<number> {
  return (await db.notification.updateMany({ where: { userId, readAt: null }, data: { readAt: new Date() } })).count;
}
