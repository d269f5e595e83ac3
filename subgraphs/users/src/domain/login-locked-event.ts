import { EventType, type LoginLockedV1 } from "@shopgraph/events";
import type { Db } from "../db/client.ts";
import { insertOutboxEvent } from "../db/outbox.ts";
import type { PublicUser } from "../db/user-repository.ts";
import type { LockScope } from "./login-throttle.ts";

/**
 * Records `user.login_locked` in the outbox, so notifications e-mails the owner that sign-in was
 * locked (and from where). A single insert: there is no state change to share a transaction with.
 */
export async function recordLoginLocked(
  db: Db,
  user: Pick<PublicUser, "id" | "email" | "name" | "role">,
  lock: { scope: LockScope; seconds: number; failures: number },
  clientIp: string,
): Promise<void> {
  const payload: LoginLockedV1 = {
    userId: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    scope: lock.scope,
    failures: lock.failures,
    lockedUntil: new Date(Date.now() + lock.seconds * 1000).toISOString(),
    ipAddress: clientIp === "unknown" ? null : clientIp,
  };
  await insertOutboxEvent(db, { type: EventType.USER_LOGIN_LOCKED, payload });
}
