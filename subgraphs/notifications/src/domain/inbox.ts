import { DomainError, userError } from "@shopgraph/errors";
import { isUuid } from "@shopgraph/subgraph-kit";
import type { Db } from "../db/client.ts";
import { markAllNotificationsRead, markNotificationRead, type Notification } from "../db/notification-repository.ts";

/** Marks one of the viewer's notifications read; someone else's looks exactly like a missing one. */
export async function markRead(db: Db, userId: string, id: string): Promise<Notification> {
  const notification = isUuid(id) ? await markNotificationRead(db, userId, id) : null;
  if (!notification) throw new DomainError(userError("NOT_FOUND", "Notification not found", ["id"]));
  return notification;
}

/** Marks all of the viewer's notifications read; returns how many were unread. */
export const markAllRead = (db: Db, userId: string): Promise<number> => markAllNotificationsRead(db, userId);
