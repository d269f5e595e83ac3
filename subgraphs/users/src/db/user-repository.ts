import { createdAtAfter, NEWEST_FIRST } from "@shopgraph/subgraph-kit";
import type { Db } from "./client.ts";
import type { Prisma, Role, User } from "./generated/client.ts";

export type { User };

/** Columns safe to hand to resolvers (never the password hash). */
const PUBLIC = { id: true, email: true, name: true, role: true, createdAt: true } as const;
export type PublicUser = Pick<User, "id" | "email" | "name" | "role" | "createdAt">;

/** Users by id, in one query (DataLoader batches). */
export function findUsersByIds(db: Db, ids: readonly string[]): Promise<PublicUser[]> {
  return db.user.findMany({ where: { id: { in: [...ids] } }, select: PUBLIC });
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
