import type { Db } from "./client.ts";

/** A user's stored channel choices. */
export interface NotificationPreference {
  userId: string;
  email: boolean;
  sms: boolean;
  inApp: boolean;
  push: boolean;
  phoneNumber: string | null;
  updatedAt: Date;
}

/** Stored preference rows of several users (users without a row get the defaults in the domain). */
export function findPreferencesByUsers(
  db: Pick<Db, "notificationPreference">,
  userIds: readonly string[],
): Promise<NotificationPreference[]> {
  return db.notificationPreference.findMany({ where: { userId: { in: [...userIds] } } });
}

/** Writes a user's complete preferences (insert or replace). */
export function savePreferences(
  db: Db,
  userId: string,
  data: { email: boolean; sms: boolean; inApp: boolean; push: boolean; phoneNumber: string | null },
): Promise<NotificationPreference> {
  return db.notificationPreference.upsert({ where: { userId }, create: { userId, ...data }, update: data });
}
