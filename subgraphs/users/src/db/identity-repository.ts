import { translatePrismaError } from "@shopgraph/db";
import type { Db } from "./client.ts";
import type { PublicUser } from "./user-repository.ts";
import { insertOutboxEvent, type OutboxDraft } from "./outbox.ts";

/** A linked identity as the contract shows it. */
export interface LinkedIdentityRow {
  userId: string;
  provider: string;
  email: string | null;
  linkedAt: Date;
}

/** A provider identity to link: (issuer, subject) is the key; email only when verified. */
export interface NewIdentity {
  provider: string;
  issuer: string;
  subject: string;
  email: string | null;
}

const PUBLIC_USER = { id: true, email: true, name: true, role: true, createdAt: true } as const;
const toRow = (i: { userId: string; provider: string; email: string | null; createdAt: Date }): LinkedIdentityRow => ({
  userId: i.userId,
  provider: i.provider,
  email: i.email,
  linkedAt: i.createdAt,
});

/** The user an (issuer, subject) identity is linked to, or null. */
export async function findUserByIdentity(db: Db, issuer: string, subject: string): Promise<PublicUser | null> {
  const identity = await db.linkedIdentity.findUnique({
    where: { issuer_subject: { issuer, subject } },
    include: { user: { select: PUBLIC_USER } },
  });
  return identity?.user ?? null;
}

/** Linked identities of these users, oldest first (DataLoader batches). */
export async function findIdentitiesOfUsers(db: Db, userIds: readonly string[]): Promise<LinkedIdentityRow[]> {
  const rows = await db.linkedIdentity.findMany({
    where: { userId: { in: [...userIds] } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map(toRow);
}

/** Which unique rule refused a link: the identity is someone's already, or the user has one of that provider. */
export type LinkConflict = "identity_taken" | "provider_taken";

const conflictOf = (error: unknown): LinkConflict | "email_taken" | undefined => {
  const translated = translatePrismaError(error);
  if (translated?.kind !== "unique") return undefined;
  if (translated.target.includes("issuer") || translated.target.includes("subject")) return "identity_taken";
  if (translated.target.includes("provider")) return "provider_taken";
  return translated.target.includes("email") ? "email_taken" : undefined;
};

/** Links an identity to a user; the unique constraints decide races. */
export async function insertIdentity(db: Db, userId: string, identity: NewIdentity): Promise<LinkConflict | null> {
  try {
    await db.linkedIdentity.create({ data: { userId, ...identity } });
    return null;
  } catch (error) {
    const conflict = conflictOf(error);
    if (conflict === "identity_taken" || conflict === "provider_taken") return conflict;
    throw error;
  }
}

/**
 * Creates a social-only user (no password) with its identity and the `eventOf` event in one
 * transaction. Resolves to "email_taken" or "identity_taken" when a unique constraint refuses it.
 */
export async function createUserWithIdentity(
  db: Db,
  user: { email: string; name: string },
  identity: NewIdentity,
  eventOf: (created: PublicUser) => OutboxDraft,
): Promise<PublicUser | "email_taken" | "identity_taken"> {
  try {
    return await db.$transaction(async (tx) => {
      const created = await tx.user.create({
        data: { ...user, passwordHash: null, identities: { create: identity } },
        select: PUBLIC_USER,
      });
      await insertOutboxEvent(tx, eventOf(created));
      return created;
    });
  } catch (error) {
    const conflict = conflictOf(error);
    if (conflict === "email_taken" || conflict === "identity_taken") return conflict;
    throw error;
  }
}

/** What unlinking did. */
export type UnlinkOutcome = "unlinked" | "not_linked" | "last_sign_in_method";

/**
 * Removes the user's identity of one provider unless it is their last way to sign in (no password
 * and no other identity). The user row is locked first, so two concurrent unlinks of a
 * passwordless user's two identities cannot both pass the count and leave the account unreachable.
 */
export async function deleteIdentityUnlessLast(db: Db, userId: string, provider: string): Promise<UnlinkOutcome> {
  return db.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<
      { hasPassword: boolean }[]
    >`SELECT "passwordHash" IS NOT NULL AS "hasPassword" FROM "User" WHERE id = ${userId}::uuid FOR UPDATE`;
    const identities = await tx.linkedIdentity.findMany({ where: { userId }, select: { id: true, provider: true } });
    const target = identities.find((i) => i.provider === provider);
    if (!locked[0] || !target) return "not_linked";
    if (!locked[0].hasPassword && identities.length === 1) return "last_sign_in_method";
    await tx.linkedIdentity.delete({ where: { id: target.id } });
    return "unlinked";
  });
}
