import { parseFirst, toConnection, createdAtCursor } from "@shopgraph/subgraph-kit";
import { countDeliveries, listDeliveries, type DeliveryFilter } from "../db/delivery-repository.ts";
import type { QueryResolvers } from "../generated/resolvers-types.ts";

export const Query = {
  deliveries: async (_, args, ctx) => {
    const first = parseFirst(args.first);
    const filter: DeliveryFilter = { channel: args.channel ?? null, status: args.status ?? null };
    const rows = await listDeliveries(ctx.db, first, args.after, filter);
    return toConnection(rows, first, !!args.after, createdAtCursor, () => countDeliveries(ctx.db, filter));
  },
} satisfies QueryResolvers;
