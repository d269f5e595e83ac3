import type { Db, DbTx } from "./client.ts";
import type { PublicUser } from "./user-repository.ts";

/** A stored refresh token with what refresh needs of its family and user. */
export interface StoredRefreshToken {
  id: string;
  familyId: string;
  expiresAt: Date;
  /** Set once the family was revoked (logout, reuse, password change …). */
  familyRevokedAt: Date | null;
}

/** A refresh token with its family's user, for issuing the next token. */
export interface RefreshableToken extends StoredRefreshToken {
  user: PublicUser;
}

/** Starts a session family for a user; returns its id (the session id in access tokens). */
export async function createSessionFamily(db: Db, userId: string): Promise<string> {
  const family = await db.sessionFamily.create({ data: { userId } });
  return family.id;
}

/** Stores a refresh token (only its hash) in a family. */
export async function insertRefreshToken(
  db: DbTx,
  token: { familyId: string; tokenHash: string; expiresAt: Date },
): Promise<void> {
  await db.refreshToken.create({ data: token });
}

/** The refresh token with this hash, its family's state and user, or null. */
export async function findRefreshableToken(db: Db, tokenHash: string): Promise<RefreshableToken | null> {
  const token = await db.refreshToken.findUnique({
    where: { tokenHash },
    include: { family: { include: { user: true } } },
  });
  if (!token) return null;
  const { user } = token.family;
  return {
    id: token.id,
    familyId: token.familyId,
    expiresAt: token.expiresAt,
    familyRevokedAt: token.family.revokedAt,
    user: { id: user.id, email: user.email, name: user.name, role: user.role, createdAt: user.createdAt },
  };
}

/** The refresh token with this hash and its family's state (no user), or null. */
export async function findRefreshToken(db: Db, tokenHash: string): Promise<StoredRefreshToken | null> {
  const token = await db.refreshToken.findUnique({ where: { tokenHash }, include: { family: true } });
  return (
    token && {
      id: token.id,
      familyId: token.familyId,
      expiresAt: token.expiresAt,
      familyRevokedAt: token.family.revokedAt,
    }
  );
}

/**
 * Marks a refresh token used, only if it was not used yet (a conditional update, so two
 * concurrent refreshes cannot both consume it). True when this call consumed it.
 */
export async function consumeRefreshToken(db: DbTx, tokenId: string): Promise<boolean> {
  const consumed = await db.refreshToken.updateMany({
    where: { id: tokenId, usedAt: null },
    data: { usedAt: new Date() },
  });
  return consumed.count > 0;
}

/** Revokes one session family, with the reason kept for audits. */
export async function revokeFamily(db: DbTx, familyId: string, reason: string): Promise<void> {
  await db.sessionFamily.update({ where: { id: familyId }, data: { revokedAt: new Date(), revokedReason: reason } });
}

/** Revokes every still-open session family of a user. */
export async function revokeUserFamilies(db: Db, userId: string, reason: string): Promise<void> {
  await db.sessionFamily.updateMany({
    where: { userId, revokedAt: null },
    data: { revokedAt: new Date(), revokedReason: reason },
  });
}
