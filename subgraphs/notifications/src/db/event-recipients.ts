import type { Db } from "./client.ts";
import type { NotificationPreference } from "./preference-repository.ts";

/** What an event's handler needs of one recipient: how to reach them and what they want. */
export interface EventRecipient {
  userId: string;
  /** The contact's address (fed by user.registered); null when no contact is known yet. */
  email: string | null;
  /** The stored preferences; null: the defaults apply. */
  preference: Pick<NotificationPreference, "email" | "sms" | "inApp" | "push" | "phoneNumber"> | null;
  /** Push tokens of the user's devices, newest registration first. */
  pushTokens: string[];
}

interface RecipientRow {
  userId: string;
  email: string | null;
  hasPreference: boolean;
  prefEmail: boolean | null;
  prefSms: boolean | null;
  prefInApp: boolean | null;
  prefPush: boolean | null;
  phoneNumber: string | null;
  pushToken: string | null;
}

/**
 * Contact, preferences and push devices of an event's recipients (the given users, or every ADMIN
 * contact ordered by id) in ONE statement, one row per device (one row for a user without any).
 * Read before the event's write, outside a transaction: under READ COMMITTED each statement of a
 * transaction saw its own snapshot anyway, and the write's processed-event guard keeps it exactly once.
 */
export async function findEventRecipients(db: Db, recipients: readonly string[] | "admins"): Promise<EventRecipient[]> {
  const isAdmins = recipients === "admins";
  const userIds = isAdmins ? [] : [...recipients];
  const rows = await db.$queryRaw<RecipientRow[]>`
    WITH wanted AS (
      SELECT "userId", 0::bigint AS position FROM "Contact" WHERE ${isAdmins}::boolean AND role = 'ADMIN'
      UNION ALL
      SELECT u."userId", u.position FROM unnest(${userIds}::uuid[]) WITH ORDINALITY AS u("userId", position)
    )
    SELECT w."userId"::text AS "userId", c.email, p."userId" IS NOT NULL AS "hasPreference",
      p.email AS "prefEmail", p.sms AS "prefSms", p."inApp" AS "prefInApp", p.push AS "prefPush", p."phoneNumber",
      d.token AS "pushToken"
    FROM wanted w
    LEFT JOIN "Contact" c ON c."userId" = w."userId"
    LEFT JOIN "NotificationPreference" p ON p."userId" = w."userId"
    LEFT JOIN "PushDevice" d ON d."userId" = w."userId"
    ORDER BY w.position, w."userId", d."createdAt" DESC, d.id DESC`;
  const byUser = new Map<string, EventRecipient>();
  for (const row of rows) {
    let recipient = byUser.get(row.userId);
    if (!recipient) {
      recipient = {
        userId: row.userId,
        email: row.email,
        preference: row.hasPreference
          ? {
              email: row.prefEmail === true,
              sms: row.prefSms === true,
              inApp: row.prefInApp === true,
              push: row.prefPush === true,
              phoneNumber: row.phoneNumber,
            }
          : null,
        pushTokens: [],
      };
      byUser.set(row.userId, recipient);
    }
    if (row.pushToken !== null) recipient.pushTokens.push(row.pushToken);
  }
  return [...byUser.values()];
}
