import { DomainError, userError } from "@shopgraph/errors";
import { checkSmsNumber } from "./phone-numbers.ts";
import type { Db } from "../db/client.ts";
import { findPreferencesByUsers, savePreferences, type NotificationPreference } from "../db/preference-repository.ts";

/** A user's channel preferences; `userId` lets the permission rule check ownership. */
export interface Preferences {
  userId: string;
  email: boolean;
  sms: boolean;
  inApp: boolean;
  /** Push to the user's registered devices (none registered: nothing is sent). */
  push: boolean;
  phoneNumber: string | null;
}

/** What a user without a stored row gets: email, in-app and push on (push needs a registered device), SMS off (it needs a phone). */
export const DEFAULT_PREFERENCES = { email: true, sms: false, inApp: true, push: true, phoneNumber: null } as const;

/** The stored row or the defaults. */
export function withDefaults(
  userId: string,
  row: Pick<NotificationPreference, "email" | "sms" | "inApp" | "push" | "phoneNumber"> | null | undefined,
): Preferences {
  if (!row) return { userId, ...DEFAULT_PREFERENCES };
  return { userId, email: row.email, sms: row.sms, inApp: row.inApp, push: row.push, phoneNumber: row.phoneNumber };
}

/** The input of updateNotificationPreferences: absent fields keep their value, phoneNumber null clears it. */
export interface PreferencesInput {
  email?: boolean | null;
  sms?: boolean | null;
  inApp?: boolean | null;
  push?: boolean | null;
  phoneNumber?: string | null;
}

/** Validates and saves the viewer's preferences; SMS without a phone number is refused. */
export async function updatePreferences(db: Db, userId: string, input: PreferencesInput): Promise<Preferences> {
  const [row] = await findPreferencesByUsers(db, [userId]);
  const current = withDefaults(userId, row);
  let phoneNumber = current.phoneNumber;
  if (input.phoneNumber === null) phoneNumber = null;
  else if (input.phoneNumber !== undefined) {
    const checked = checkSmsNumber(input.phoneNumber);
    if (!checked.ok) throw new DomainError(userError(checked.code, checked.message, ["input", "phoneNumber"]));
    phoneNumber = checked.number;
  }
  const next = {
    email: input.email ?? current.email,
    sms: input.sms ?? current.sms,
    inApp: input.inApp ?? current.inApp,
    push: input.push ?? current.push,
    phoneNumber,
  };
  if (next.sms && !next.phoneNumber) {
    throw new DomainError(
      userError("PHONE_REQUIRED", "SMS notifications need a phone number", ["input", "phoneNumber"]),
    );
  }
  return withDefaults(userId, await savePreferences(db, userId, next));
}
