import { parseFirst, toConnection, createdAtCursor, isUuid } from "@shopgraph/subgraph-kit";
import { countNotifications, listNotifications } from "../db/notification-repository.ts";
import type { UserResolvers } from "../generated/resolvers-types.ts";

export const User = {
  // No lookup: notifications holds no user rows; the field rules admit only the user themself.
  __resolveReference: (ref) => (isUuid(ref.id) ? { id: ref.id } : null),
  // No DataLoader here: the self-only rule lets at most one user's list run per request.
  notifications: async (user, args, ctx) => {
    const first = parseFirst(args.first);
    const unreadOnly = args.unreadOnly ?? false;
    const rows = await listNotifications(ctx.db, user.id, first, args.after, unreadOnly);
    return toConnection(rows, first, !!args.after, createdAtCursor, () => countNotifications(ctx.db, user.id, unreadOnly));
  },
  unreadNotificationCount: (user, _, ctx) => ctx.loaders.unreadCount.load(user.id),
  notificationPreferences: (user, _, ctx) => ctx.loaders.preferences.load(user.id),
} satisfies UserResolvers;
