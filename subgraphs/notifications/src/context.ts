import DataLoader from "dataloader";
import { createByIdLoader, type BaseSubgraphContext } from "@shopgraph/subgraph-kit";
import type { Db } from "./db/client.ts";
import { countUnreadByUsers, findNotificationsByIds, type Notification } from "./db/notification-repository.ts";
import { findPreferencesByUsers } from "./db/preference-repository.ts";
import { withDefaults, type Preferences } from "./domain/preferences.ts";

/** Per-request context of the notifications subgraph. */
export interface NotificationsContext extends BaseSubgraphContext {
  db: Db;
  /** Push devices a user keeps (config PUSH_MAX_DEVICES_PER_USER). */
  maxPushDevices: number;
  loaders: {
    notification: DataLoader<string, Notification | null>;
    unreadCount: DataLoader<string, number>;
    preferences: DataLoader<string, Preferences>;
  };
}

/** Builds the per-request context: fresh DataLoaders every request (no cross-user caching). */
export function createNotificationsContext(
  base: BaseSubgraphContext,
  db: Db,
  limits: { maxPushDevices: number },
): NotificationsContext {
  return {
    ...base,
    db,
    maxPushDevices: limits.maxPushDevices,
    loaders: {
      notification: createByIdLoader(
        (ids) => findNotificationsByIds(db, ids),
        (n) => n.id,
      ),
      unreadCount: new DataLoader(async (userIds) => {
        const counts = new Map((await countUnreadByUsers(db, userIds)).map((c) => [c.userId, c.count]));
        return userIds.map((id) => counts.get(id) ?? 0);
      }),
      preferences: new DataLoader(async (userIds) => {
        const rows = new Map((await findPreferencesByUsers(db, userIds)).map((p) => [p.userId, p]));
        return userIds.map((id) => withDefaults(id, rows.get(id)));
      }),
    },
  };
}
