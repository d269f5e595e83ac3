import { DomainError, userError } from "@shopgraph/errors";
import type { Role } from "@shopgraph/auth";
import { isUuid } from "@shopgraph/subgraph-kit";
import type { Db } from "../db/client.ts";
import {
  createUserWithEvent,
  findUserByEmail,
  findUserById,
  setPasswordHash,
  updateUser,
  type PublicUser,
} from "../db/user-repository.ts";
import { DUMMY_HASH_PROMISE, hashPassword, verifyPassword } from "./passwords.ts";
import {
  revokeAccessTokens,
  revokeAllSessions,
  startSession,
  type IssuedSession,
  type SessionDeps,
} from "./sessions.ts";
import {
  checkEmail,
  checkName,
  checkPassword,
  normalizeEmail,
  normalizeName,
  type PasswordPolicy,
} from "./validation.ts";
import type { LoginThrottle } from "./login-throttle.ts";
import { recordLoginLocked } from "./login-locked-event.ts";

const toPublic = (u: PublicUser): PublicUser => ({
  id: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
  createdAt: u.createdAt,
});

/** The unique email constraint refused the new account. */
export const emailTaken = () =>
  new DomainError(userError("EMAIL_TAKEN", "An account with this email already exists", ["input", "email"]));

/** `user.registered`, recorded with the account: notifications keeps the contact. */
export const registeredEvent = (user: PublicUser) => ({
  type: "user.registered",
  payload: { userId: user.id, email: user.email, name: user.name, role: user.role },
});

/** What sign-up and sign-in need besides sessions: the password policy and the failed-login throttle. */
export interface AccountDeps extends SessionDeps {
  passwordPolicy: PasswordPolicy;
  throttle: LoginThrottle;
}

/** The checks every new account passes (register and the create-admin CLI): all errors at once. */
export function checkNewAccount(input: { email: string; password: string; name: string }, policy: PasswordPolicy) {
  const email = normalizeEmail(input.email);
  const errors = [
    ...checkEmail(email, ["input", "email"]),
    ...checkPassword(input.password, ["input", "password"], email, policy, input.name),
    ...checkName(input.name, ["input", "name"]),
  ];
  return { email, name: normalizeName(input.name), errors };
}

/** Creates a CUSTOMER account, records `user.registered` in the same transaction, and signs in. */
export async function register(
  deps: AccountDeps,
  input: { email: string; password: string; name: string },
): Promise<IssuedSession> {
  const { email, name, errors } = checkNewAccount(input, deps.passwordPolicy);
  if (errors.length > 0) throw new DomainError(...errors);
  const passwordHash = await hashPassword(input.password);
  const user = await createUserWithEvent(deps.db, { email, name, passwordHash }, registeredEvent);
  if (!user) throw emailTaken();
  return startSession(deps, toPublic(user));
}

/**
 * Signs in with email and password; the same INVALID_CREDENTIALS (and timing) for unknown emails.
 * The throttle is keyed by the normalized email, known or not, so locks reveal no accounts either;
 * a locked attempt is refused before the password is even hashed, the right password included.
 */
export async function login(
  deps: AccountDeps,
  input: { email: string; password: string },
  clientIp: string,
): Promise<IssuedSession> {
  return startSession(deps, await authenticate(deps, input, clientIp));
}

/**
 * The password check of {@link login} without starting a session: the OAuth sign-in page proves
 * who the user is with it (same throttle, same INVALID_CREDENTIALS, same timing).
 */
export async function authenticate(
  deps: Pick<AccountDeps, "db" | "throttle">,
  input: { email: string; password: string },
  clientIp: string,
): Promise<PublicUser> {
  const email = normalizeEmail(input.email);
  await refuseWhileThrottled(deps.throttle, email, clientIp);
  const user = input.password.length <= 256 ? await findUserByEmail(deps.db, email) : null;
  const valid = await verifyPassword(input.password.slice(0, 256), user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
  if (!user || !valid) {
    await recordWrongPassword(deps, email, user, clientIp);
    throw new DomainError(userError("INVALID_CREDENTIALS", "Email or password is incorrect"));
  }
  await deps.throttle.recordSuccess(email, clientIp);
  return toPublic(user);
}

/** TOO_MANY_ATTEMPTS while the (account, IP) pair or the account is locked or delayed. */
async function refuseWhileThrottled(throttle: LoginThrottle, email: string, clientIp: string): Promise<void> {
  const verdict = await throttle.check(email, clientIp);
  if (!verdict) return;
  const n = verdict.retryAfterSeconds;
  const message = `Too many failed sign-in attempts. Try again in ${n} second${n === 1 ? "" : "s"}.`;
  throw new DomainError(userError("TOO_MANY_ATTEMPTS", message));
}

/** Counts a wrong password; when that engages a lock on a real account, the owner is told (outbox). */
async function recordWrongPassword(
  deps: Pick<AccountDeps, "db" | "throttle">,
  email: string,
  user: Parameters<typeof recordLoginLocked>[1] | null,
  clientIp: string,
): Promise<void> {
  const { locked } = await deps.throttle.recordFailure(email, clientIp);
  if (locked?.notify && user) await recordLoginLocked(deps.db, user, locked, clientIp);
}

/**
 * Changes the viewer's password and signs out every existing session. The current password is a
 * guessable secret too (a stolen access token would otherwise be an unthrottled password oracle):
 * it goes through the same throttle as login, on the same counters.
 */
export async function changePassword(
  deps: Pick<AccountDeps, "db" | "revocations" | "throttle" | "passwordPolicy">,
  userId: string,
  input: { currentPassword: string; newPassword: string },
  clientIp: string,
): Promise<void> {
  const { db } = deps;
  const user = await findUserById(db, userId);
  const wrong = () =>
    new DomainError(userError("INVALID_CREDENTIALS", "Current password is incorrect", ["input", "currentPassword"]));
  if (!user) throw wrong();
  await refuseWhileThrottled(deps.throttle, user.email, clientIp);
  // A social-only account has no password: the dummy hash makes that a wrong password, in the same time.
  if (!(await verifyPassword(input.currentPassword.slice(0, 256), user.passwordHash ?? (await DUMMY_HASH_PROMISE)))) {
    await recordWrongPassword(deps, user.email, user, clientIp);
    throw wrong();
  }
  await deps.throttle.recordSuccess(user.email, clientIp);
  const errors = checkPassword(input.newPassword, ["input", "newPassword"], user.email, deps.passwordPolicy, user.name);
  if (input.newPassword === input.currentPassword)
    errors.push(
      userError("WEAK_PASSWORD", "The new password must differ from the current one", ["input", "newPassword"]),
    );
  if (errors.length > 0) throw new DomainError(...errors);
  await setPasswordHash(db, userId, await hashPassword(input.newPassword));
  await revokeAllSessions(deps, userId, "password_changed");
}

/** Updates the viewer's profile. */
export async function updateProfile(db: Db, userId: string, input: { name?: string | null }): Promise<PublicUser> {
  if (input.name === undefined || input.name === null) {
    const user = await findUserById(db, userId);
    if (!user) throw new DomainError(userError("NOT_FOUND", "User not found"));
    return toPublic(user);
  }
  const errors = checkName(input.name, ["input", "name"]);
  if (errors.length > 0) throw new DomainError(...errors);
  return updateUser(db, userId, { name: normalizeName(input.name) });
}

/** ADMIN: changes a user's role. An admin cannot demote themself (no lock-out by accident). */
export async function setUserRole(
  deps: Pick<SessionDeps, "db" | "revocations">,
  actorId: string,
  userId: string,
  role: Role,
): Promise<PublicUser> {
  const { db } = deps;
  if (actorId === userId && role !== "ADMIN")
    throw new DomainError(userError("CANNOT_DEMOTE_SELF", "You cannot remove your own ADMIN role", ["role"]));
  const target = isUuid(userId) ? await findUserById(db, userId) : null;
  if (!target) throw new DomainError(userError("NOT_FOUND", "User not found", ["userId"]));
  if (target.role === role) return toPublic(target);
  const updated = await updateUser(db, userId, { role });
  // The old role sits in every access token the user holds: revoke them, so the next request
  // needs a refresh, and the refreshed token carries the new role.
  await revokeAccessTokens(deps, userId);
  return updated;
}
