import type DataLoader from "dataloader";
import { createByIdLoader, createGroupLoader, type BaseSubgraphContext } from "@shopgraph/subgraph-kit";
import type { Db } from "./db/client.ts";
import { findUsersByIds, type PublicUser } from "./db/user-repository.ts";
import type { AccountDeps } from "./domain/accounts.ts";
import { findIdentitiesOfUsers, type LinkedIdentityRow } from "./db/identity-repository.ts";
import type { SocialLoginDeps } from "./domain/social-login.ts";
import type { SessionDeps } from "./domain/sessions.ts";

/** Per-request context of the users subgraph. */
export interface UsersContext extends BaseSubgraphContext {
  db: Db;
  sessions: SessionDeps;
  /** Sessions plus the password policy and the failed-login throttle (register, login). */
  accounts: AccountDeps;
  /** Sessions plus the OpenID providers, the protocol client and the flow store (social login). */
  social: SocialLoginDeps;
  loaders: { user: DataLoader<string, PublicUser | null>; identities: DataLoader<string, LinkedIdentityRow[]> };
  /** Set when this request issued a session: its user may read their own private fields. */
  sessionUserId?: string;
}

/** Builds the per-request context: fresh DataLoaders every request (no cross-user caching). */
export function createUsersContext(
  base: BaseSubgraphContext,
  sessions: SessionDeps,
  accounts: AccountDeps,
  social: SocialLoginDeps,
): UsersContext {
  const user = createByIdLoader(
    (ids: readonly string[]) => findUsersByIds(sessions.db, ids),
    (u: PublicUser) => u.id,
  );
  const identities = createGroupLoader(
    (ids: readonly string[]) => findIdentitiesOfUsers(sessions.db, ids),
    (i: LinkedIdentityRow) => i.userId,
  );
  return { ...base, db: sessions.db, sessions, accounts, social, loaders: { user, identities } };
}
