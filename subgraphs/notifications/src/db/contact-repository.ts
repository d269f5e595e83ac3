import type { Db } from "./client.ts";

/** What notifications knows of a user to reach them (fed by user.registered). */
export interface Contact {
  userId: string;
  email: string;
  name: string;
  role: string;
  updatedAt: Date;
}
type Tx = Pick<Db, "contact">;

/** Inserts or refreshes a user's contact row (fed by user.registered). */
export function upsertContact(
  db: Tx,
  contact: { userId: string; email: string; name: string; role: string },
): Promise<Contact> {
  const { userId, ...data } = contact;
  return db.contact.upsert({ where: { userId }, create: contact, update: data });
}

/** Contacts of the given users. */
export function findContacts(db: Tx, userIds: readonly string[]): Promise<Contact[]> {
  return db.contact.findMany({ where: { userId: { in: [...userIds] } } });
}

/** Every ADMIN contact (recipients of operational notifications such as low stock). */
export function findAdminContacts(db: Tx): Promise<Contact[]> {
  return db.contact.findMany({ where: { role: "ADMIN" }, orderBy: { userId: "asc" } });
}
