import { parseFirst, toConnection, createdAtCursor, isUuid } from "@shopgraph/subgraph-kit";
import { forbidden, unauthenticated } from "@shopgraph/errors";
import { countNotifications, listNotifications } from "../db/notification-repository.ts";
import { findPushDevicesByUsers } from "../db/push-device-repository.ts";
import { requireOwner } from "@shopgraph/auth";
import type { UserResolvers } from "../generated/resolvers-types.ts";

export const User = {
  // No lookup: notifications holds no user rows; each private field admits only the user themself.
  __resolveReference: (ref) => (isUuid(ref.id) ? { id: ref.id } : null),
  // No DataLoader here: the self-only rule lets at most one user's list run per request.
  notifications: async (user, args, ctx) => {
    requireOwner(ctx.viewer, user.id);
    const first = parseFirst(args.first);
    const unreadOnly = args.unreadOnly ?? false;
    const rows = await listNotifications(ctx.db, user.id, first, args.after, unreadOnly);
    return toConnection(rows, first, !!args.after, createdAtCursor, () =>
      countNotifications(ctx.db, user.id, unreadOnly),
    );
  },
  unreadNotificationCount: (user, _, ctx) => (requireOwner(ctx.viewer, user.id), ctx.loaders.unreadCount.load(user.id)),
  notificationPreferences: (user, _, ctx) => (requireOwner(ctx.viewer, user.id), ctx.loaders.preferences.load(user.id)),
  // The user themself only, checked here as well as by the field rules: device lists reveal which
  // phones an account uses. Self only also means one list per request: no DataLoader needed.
  pushDevices: (user, _, ctx) => {
    if (!ctx.viewer) throw unauthenticated();
    if (ctx.viewer.id !== user.id) throw forbidden("Push devices are visible to their owner only");
    return findPushDevicesByUsers(ctx.db, [user.id]);
  },
} satisfies UserResolvers;
