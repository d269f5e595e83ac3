import type { RevocationList } from "@shopgraph/auth";
import { DomainError, userError } from "@shopgraph/errors";
import { inTransaction, type Db, type DbTx } from "../db/client.ts";
import {
  consumeRefreshToken,
  createSessionFamily,
  findRefreshableToken,
  findRefreshToken,
  insertRefreshToken,
  revokeFamily,
  revokeUserFamilies,
} from "../db/session-repository.ts";
import type { PublicUser } from "../db/user-repository.ts";
import type { SigningKeys } from "./signing-keys.ts";
import { hashRefreshToken, newRefreshToken, signAccessToken, type TokenSettings } from "./tokens.ts";

/** What the domain needs to issue sessions. */
export interface SessionDeps {
  db: Db;
  keys: SigningKeys;
  tokens: TokenSettings;
  /** Where revoked sessions and users are announced to every verifier (gateway, all subgraphs). */
  revocations: Pick<RevocationList, "revokeSession" | "revokeUser" | "revokeClient">;
}

/** A session as the contract returns it. */
export interface IssuedSession {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: Date;
  user: PublicUser;
}

const invalidToken = () =>
  new DomainError(
    userError("INVALID_REFRESH_TOKEN", "The refresh token is invalid, expired or revoked", ["refreshToken"]),
  );

async function issue(deps: SessionDeps, user: PublicUser, familyId: string, db: DbTx): Promise<IssuedSession> {
  const refreshToken = newRefreshToken();
  const expiresAt = new Date(Date.now() + deps.tokens.refreshTokenTtlSeconds * 1000);
  await insertRefreshToken(db, { familyId, tokenHash: hashRefreshToken(refreshToken), expiresAt });
  const access = await signAccessToken(deps.keys, deps.tokens, user, familyId);
  return { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, user };
}

/** Starts a new session family for a user who just proved who they are. */
export async function startSession(deps: SessionDeps, user: PublicUser): Promise<IssuedSession> {
  const familyId = await createSessionFamily(deps.db, user.id);
  return issue(deps, user, familyId, deps.db);
}

/**
 * Rotates a refresh token. The token is consumed with a conditional update, so two concurrent
 * refreshes cannot both succeed; presenting an already-used token means it was stolen or replayed,
 * and the whole family is revoked (the thief and the victim both have to sign in again).
 */
export async function refreshSession(deps: SessionDeps, presented: string): Promise<IssuedSession> {
  const token = await findRefreshableToken(deps.db, hashRefreshToken(presented));
  if (!token || token.familyRevokedAt || token.expiresAt <= new Date()) throw invalidToken();
  return inTransaction(deps.db, async (tx) => {
    if (!(await consumeRefreshToken(tx, token.id))) {
      await revokeFamily(tx, token.familyId, "refresh_token_reuse");
      return "reused" as const;
    }
    return issue(deps, token.user, token.familyId, tx);
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
  const token = await findRefreshToken(deps.db, hashRefreshToken(presented));
  if (!token || token.familyRevokedAt) throw invalidToken();
  await revokeFamily(deps.db, token.familyId, "logout");
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
export async function revokeAllSessions(
  deps: Pick<SessionDeps, "db" | "revocations">,
  userId: string,
  reason: string,
): Promise<void> {
  await revokeUserFamilies(deps.db, userId, reason);
  await deps.revocations.revokeUser(userId);
}

/** Signs a user out on every device (operators: `sign-out-everywhere` CLI; not in the public API). */
export async function signOutEverywhere(deps: Pick<SessionDeps, "db" | "revocations">, userId: string): Promise<void> {
  await revokeAllSessions(deps, userId, "sign_out_everywhere");
}
