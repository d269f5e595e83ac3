import { toPayload } from "@shopgraph/errors";
import type { NotificationsContext } from "../context.ts";
import { markAllRead, markRead } from "../domain/inbox.ts";
import { updatePreferences } from "../domain/preferences.ts";
import type { MutationResolvers } from "../generated/resolvers-types.ts";

// Shield guarantees a viewer on every mutation here; this narrows the type.
const viewerId = (ctx: NotificationsContext): string => ctx.viewer!.id;

export const Mutation = {
  markNotificationRead: (_, args, ctx) => toPayload("notification", () => markRead(ctx.db, viewerId(ctx), args.id)),
  markAllNotificationsRead: async (_, __, ctx) => ({ count: await markAllRead(ctx.db, viewerId(ctx)), userErrors: [] }),
  updateNotificationPreferences: (_, args, ctx) => toPayload("preferences", () => updatePreferences(ctx.db, viewerId(ctx), args.input)),
} satisfies MutationResolvers;
