import type DataLoader from "dataloader";
import { createByIdLoader, type BaseSubgraphContext } from "@shopgraph/subgraph-kit";
import type { Db } from "./db/client.ts";
import { findUsersByIds, type PublicUser } from "./db/user-repository.ts";
import type { SessionDeps } from "./domain/sessions.ts";

/** Per-request context of the users subgraph. */
export interface UsersContext extends BaseSubgraphContext {
  db: Db;
  sessions: SessionDeps;
  loaders: { user: DataLoader<string, PublicUser | null> };
  /** Set when this request issued a session: its user may read their own private fields. */
  sessionUserId?: string;
}

/** Builds the per-request context: fresh DataLoaders every request (no cross-user caching). */
export function createUsersContext(base: BaseSubgraphContext, sessions: SessionDeps): UsersContext {
  return { ...base, db: sessions.db, sessions, loaders: { user: createByIdLoader((ids) => findUsersByIds(sessions.db, ids), (u) => u.id) } };
}
