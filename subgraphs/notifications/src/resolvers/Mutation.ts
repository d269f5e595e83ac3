import { toPayload } from "@shopgraph/errors";
import type { NotificationsContext } from "../context.ts";
import { markAllRead, markRead } from "../domain/inbox.ts";
import { updatePreferences, type PreferencesInput } from "../domain/preferences.ts";

// Shield guarantees a viewer on every mutation here; this narrows the type.
const viewerId = (ctx: NotificationsContext): string => ctx.viewer!.id;

export const Mutation = {
  markNotificationRead: (_: unknown, args: { id: string }, ctx: NotificationsContext) => toPayload("notification", () => markRead(ctx.db, viewerId(ctx), args.id)),
  markAllNotificationsRead: async (_: unknown, __: unknown, ctx: NotificationsContext) => ({ count: await markAllRead(ctx.db, viewerId(ctx)), userErrors: [] }),
  updateNotificationPreferences: (_: unknown, args: { input: PreferencesInput }, ctx: NotificationsContext) =>
    toPayload("preferences", () => updatePreferences(ctx.db, viewerId(ctx), args.input)),
};
