import type { Role } from "@shopgraph/auth";
import { translatePrismaError } from "@shopgraph/db";
import { createdAtAfter, NEWEST_FIRST } from "@shopgraph/subgraph-kit";
import type { Db } from "./client.ts";
import type { Prisma } from "./generated/client.ts";
import { insertOutboxEvent, type OutboxDraft } from "./outbox.ts";

/** A user as resolvers and tokens see it (never the password hash). */
export interface PublicUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: Date;
}

/** A user with credentials: only the sign-in and password checks read the hash. */
export interface User extends PublicUser {
  /** Null for a social-only account (no password to sign in with). */
  passwordHash: string | null;
  updatedAt: Date;
}

/** Columns safe to hand to resolvers (never the password hash). */
const PUBLIC = { id: true, email: true, name: true, role: true, createdAt: true } as const;

/**
 * Users by id, in one query (DataLoader batches). Raw SQL: this is the `_entities` hot read (100
 * users per heavy admin query), where Prisma's findMany costs about a third more CPU (issue 16 §3).
 */
export function findUsersByIds(db: Db, ids: readonly string[]): Promise<PublicUser[]> {
  return db.$queryRaw<PublicUser[]>`
    SELECT u."id", u."email", u."name", u."role", u."createdAt" FROM "User" u WHERE u."id" = ANY(${[...ids]}::uuid[])`;
}

/** A user with credentials, by normalized email. */
export function findUserByEmail(db: Db, email: string): Promise<User | null> {
  return db.user.findUnique({ where: { email } });
}

/** A user with credentials, by id. */
export function findUserById(db: Db, id: string): Promise<User | null> {
  return db.user.findUnique({ where: { id } });
}

/** A newest-first page of users (fetches first + 1 to know whether there is more). */
export function listUsers(db: Db, first: number, after: string | null | undefined): Promise<PublicUser[]> {
  const where = createdAtAfter(after) as Prisma.UserWhereInput | undefined;
  return db.user.findMany({ ...(where ? { where } : {}), orderBy: [...NEWEST_FIRST], take: first + 1, select: PUBLIC });
}

/** Total number of users. */
export const countUsers = (db: Db): Promise<number> => db.user.count();

/** Updates name and/or role. */
export function updateUser(db: Db, id: string, data: { name?: string; role?: Role }): Promise<PublicUser> {
  return db.user.update({ where: { id }, data, select: PUBLIC });
}

/** Replaces a user's password hash. */
export async function setPasswordHash(db: Db, id: string, passwordHash: string): Promise<void> {
  await db.user.update({ where: { id }, data: { passwordHash } });
}

/** What a new account is made of; without a role the database default (CUSTOMER) applies. */
export interface NewUser {
  email: string;
  name: string;
  /** Null for a social-only account. */
  passwordHash: string | null;
  role?: Role;
}

/**
 * Creates a user and records the event `eventOf` describes in the same transaction (so
 * notifications learns of every account, and of no account that was rolled back).
 * Resolves to null when the email is taken (the unique constraint decides, race-free).
 */
export async function createUserWithEvent(
  db: Db,
  user: NewUser,
  eventOf: (created: PublicUser) => OutboxDraft,
): Promise<PublicUser | null> {
  const { role, ...rest } = user;
  try {
    return await db.$transaction(async (tx) => {
      const created = await tx.user.create({ data: { ...rest, ...(role ? { role } : {}) } });
      const publicUser = {
        id: created.id,
        email: created.email,
        name: created.name,
        role: created.role,
        createdAt: created.createdAt,
      };
      await insertOutboxEvent(tx, eventOf(publicUser));
      return publicUser;
    });
  } catch (error) {
    if (translatePrismaError(error)?.kind === "unique") return null;
    throw error;
  }
}
