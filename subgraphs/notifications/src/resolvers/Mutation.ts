import { toPayload, unauthenticated } from "@shopgraph/errors";
import type { NotificationsContext } from "../context.ts";
import { markAllRead, markRead } from "../domain/inbox.ts";
import { updatePreferences } from "../domain/preferences.ts";
import { registerPushDevice, unregisterPushDevice } from "../domain/push-devices.ts";
import type { MutationResolvers } from "../generated/resolvers-types.ts";

// @authenticated on every mutation here (the SDL) guarantees a viewer; this narrows the type.
const viewerId = (ctx: NotificationsContext): string => ctx.viewer!.id;

// The push mutations check the viewer themselves too: a device must never land on no user.
const signedIn = (ctx: NotificationsContext): string => {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer.id;
};

export const Mutation = {
  markNotificationRead: (_, args, ctx) => toPayload("notification", () => markRead(ctx.db, viewerId(ctx), args.id)),
  markAllNotificationsRead: async (_, __, ctx) => ({ count: await markAllRead(ctx.db, viewerId(ctx)), userErrors: [] }),
  updateNotificationPreferences: (_, args, ctx) =>
    toPayload("preferences", () => updatePreferences(ctx.db, viewerId(ctx), args.input)),
  // Always the viewer's own device: the input names no user, so nobody registers for someone else.
  registerPushDevice: (_, args, ctx) =>
    toPayload("device", () => registerPushDevice(ctx.db, signedIn(ctx), args.input, ctx.maxPushDevices)),
  unregisterPushDevice: async (_, args, ctx) => {
    const result = await toPayload(
      "success",
      async () => (await unregisterPushDevice(ctx.db, signedIn(ctx), args.token), true),
    );
    return { success: result.success ?? false, userErrors: result.userErrors };
  },
} satisfies MutationResolvers;
