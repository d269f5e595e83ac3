import { requireOwner } from "@shopgraph/auth";
import { isUuid } from "@shopgraph/subgraph-kit";
import type { NotificationResolvers } from "../generated/resolvers-types.ts";

export const Notification = {
  // Batched: the gateway's _entities call for N notifications costs one query. Its owner only,
  // not even an ADMIN: anyone else gets FORBIDDEN and nothing.
  __resolveReference: async (ref, ctx) => {
    const notification = isUuid(ref.id) ? await ctx.loaders.notification.load(ref.id) : null;
    if (notification) requireOwner(ctx.viewer, notification.userId);
    return notification;
  },
  // A reference only: the orders subgraph resolves the rest (and applies its own rules).
  order: (n) => (n.orderId ? { __typename: "Order", id: n.orderId } : null),
} satisfies NotificationResolvers;
