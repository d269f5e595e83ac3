import { isUuid, parseFirst, toConnection, createdAtCursor } from "@shopgraph/subgraph-kit";
import { countDeliveries, listDeliveries, type DeliveryFilter } from "../db/delivery-repository.ts";
import type { QueryResolvers } from "../generated/resolvers-types.ts";

export const Query = {
  deliveries: async (_, args, ctx) => {
    const first = parseFirst(args.first);
    const filter: DeliveryFilter = { channel: args.channel ?? null, status: args.status ?? null };
    const rows = await listDeliveries(ctx.db, first, args.after, filter);
    return toConnection(rows, first, !!args.after, createdAtCursor, () => countDeliveries(ctx.db, filter));
  },
  // Anyone else's notification (an ADMIN's included) is null, never an error: nothing leaks its existence.
  notification: async (_, args, ctx) => {
    if (!isUuid(args.id)) return null;
    const found = await ctx.loaders.notification.load(args.id);
    return found && found.userId === ctx.viewer?.id ? found : null;
  },
} satisfies QueryResolvers;
