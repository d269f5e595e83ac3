import { isUuid } from "@shopgraph/subgraph-kit";
import type { NotificationResolvers } from "../generated/resolvers-types.ts";

export const Notification = {
  // Batched: the gateway's _entities call for N notifications costs one query; the owner rule
  // on the fields then hides other users' notifications.
  __resolveReference: (ref, ctx) => (isUuid(ref.id) ? ctx.loaders.notification.load(ref.id) : null),
  // A reference only: the orders subgraph resolves the rest (and applies its own rules).
  order: (n) => (n.orderId ? { __typename: "Order", id: n.orderId } : null),
} satisfies NotificationResolvers;
