import { parseFirst, toConnection, createdAtCursor } from "@shopgraph/subgraph-kit";
import type { NotificationsContext } from "../context.ts";
import { countDeliveries, listDeliveries, type DeliveryFilter } from "../db/delivery-repository.ts";

export const Query = {
  deliveries: async (_: unknown, args: { first?: number | null; after?: string | null } & DeliveryFilter, ctx: NotificationsContext) => {
    const first = parseFirst(args.first);
    const filter: DeliveryFilter = { channel: args.channel ?? null, status: args.status ?? null };
    const rows = await listDeliveries(ctx.db, first, args.after, filter);
    return toConnection(rows, first, !!args.after, createdAtCursor, () => countDeliveries(ctx.db, filter));
  },
};
