import { parseFirst, toConnection, createdAtCursor, isUuid } from "@shopgraph/subgraph-kit";
import type { NotificationsContext } from "../context.ts";
import { countNotifications, listNotifications } from "../db/notification-repository.ts";

type UserRef = { id: string };

export const User = {
  // No lookup: notifications holds no user rows; the field rules admit only the user themself.
  __resolveReference: (ref: UserRef) => (isUuid(ref.id) ? { id: ref.id } : null),
  // No DataLoader here: the self-only rule lets at most one user's list run per request.
  notifications: async (user: UserRef, args: { first?: number | null; after?: string | null; unreadOnly?: boolean | null }, ctx: NotificationsContext) => {
    const first = parseFirst(args.first);
    const unreadOnly = args.unreadOnly ?? false;
    const rows = await listNotifications(ctx.db, user.id, first, args.after, unreadOnly);
    return toConnection(rows, first, !!args.after, createdAtCursor, () => countNotifications(ctx.db, user.id, unreadOnly));
  },
  unreadNotificationCount: (user: UserRef, _: unknown, ctx: NotificationsContext) => ctx.loaders.unreadCount.load(user.id),
  notificationPreferences: (user: UserRef, _: unknown, ctx: NotificationsContext) => ctx.loaders.preferences.load(user.id),
};
