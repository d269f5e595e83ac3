import type { RevocationList } from "@shopgraph/auth";
import { DomainError, userError } from "@shopgraph/errors";
import type { Db } from "../db/client.ts";
import type { PublicUser } from "../db/user-repository.ts";
import type { SigningKeys } from "./signing-keys.ts";
import { hashRefreshToken, newRefreshToken, signAccessToken, type TokenSettings } from "./tokens.ts";

/** What the domain needs to issue sessions. */
export interface SessionDeps {
  db: Db;
  keys: SigningKeys;
  tokens: TokenSettings;
  /** Where revoked sessions and users are announced to every verifier (gateway, all subgraphs). */
  revocations: Pick<RevocationList, "revokeSession" | "revokeUser">;
}

/** A session as the contract returns it. */
export interface IssuedSession {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
  user: PublicUser;
}

const invalidToken = () => new DomainError(userError("INVALID_REFRESH_TOKEN", "The refresh token is invalid, expired or revoked", ["refreshToken"]));

async function issue(deps: SessionDeps, user: PublicUser, familyId: string, tx: Pick<Db, "refreshToken">): Promise<IssuedSession> {
  const refreshToken = newRefreshToken();
  await tx.refreshToken.create({
    data: { familyId, tokenHash: hashRefreshToken(refreshToken), expiresAt: new Date(Date.now() + deps.tokens.refreshTokenTtlSeconds * 1000) },
  });
  const access = await signAccessToken(deps.keys, deps.tokens, user, familyId);
  return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, user };
}

/** Starts a new session family for a user who just proved who they are. */
export async function startSession(deps: SessionDeps, user: PublicUser): Promise<IssuedSession> {
  const family = await deps.db.sessionFamily.create({ data: { userId: user.id } });
  return issue(deps, user, family.id, deps.db);
}

/**
 * Rotates a refresh token. The token is consumed with a conditional update, so two concurrent
 * refreshes cannot both succeed; presenting an already-used token means it was stolen or replayed,
 * and the whole family is revoked (the thief and the victim both have to sign in again).
 */
export async function refreshSession(deps: SessionDeps, presented: string): Promise<IssuedSession> {
  const tokenHash = hashRefreshToken(presented);
  const token = await deps.db.refreshToken.findUnique({ where: { tokenHash }, include: { family: { include: { user: true } } } });
  if (!token || token.family.revokedAt || token.expiresAt <= new Date()) throw invalidToken();
  return deps.db.$transaction(async (tx) => {
    const consumed = await tx.refreshToken.updateMany({ where: { id: token.id, usedAt: null }, data: { usedAt: new Date() } });
    if (consumed.count === 0) {
      await tx.sessionFamily.update({ where: { id: token.familyId }, data: { revokedAt: new Date(), revokedReason: "refresh_token_reuse" } });
      return "reused" as const;
    }
    const { user } = token.family;
    return issue(deps, { id: user.id, email: user.email, name: user.name, role: user.role, createdAt: user.createdAt }, token.familyId, tx);
  }).then(async (result) => {
    // Thrown outside the transaction so the revocation commits; the family's access tokens die too.
    if (result === "reused") {
      await deps.revocations.revokeSession(token.familyId);
      throw invalidToken();
    }
    return result;
  });
}

/** Revokes the session family a refresh token belongs to, and the access tokens issued for it. */
export async function logout(deps: Pick<SessionDeps, "db" | "revocations">, presented: string): Promise<void> {
  const token = await deps.db.refreshToken.findUnique({ where: { tokenHash: hashRefreshToken(presented) }, include: { family: true } });
  if (!token || token.family.revokedAt) throw invalidToken();
  await deps.db.sessionFamily.update({ where: { id: token.familyId }, data: { revokedAt: new Date(), revokedReason: "logout" } });
  await deps.revocations.revokeSession(token.familyId);
}

/**
 * Revokes every access token of a user issued until now, keeping the refresh tokens: after a role
 * change the next refresh issues a token with the new role.
 */
export async function revokeAccessTokens(deps: Pick<SessionDeps, "revocations">, userId: string): Promise<void> {
  await deps.revocations.revokeUser(userId);
}

/** Revokes every session of a user and every access token issued for them (password change, sign-out everywhere). */
export async function revokeAllSessions(deps: Pick<SessionDeps, "db" | "revocations">, userId: string, reason: string): Promise<void> {
  await deps.db.sessionFamily.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: new Date(), revokedReason: reason } });
  await deps.revocations.revokeUser(userId);
}

/** Signs a user out on every device (operators: `sign-out-everywhere` CLI; not in the public API). */
export async function signOutEverywhere(deps: Pick<SessionDeps, "db" | "revocations">, userId: string): Promise<void> {
  await revokeAllSessions(deps, userId, "sign_out_everywhere");
}
