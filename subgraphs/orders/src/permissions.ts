import { allow } from "graphql-shield";
import { isAdmin, isAuthenticated, isOwnerOrAdmin } from "@shopgraph/auth";

/**
 * Every Order field, for whoever reaches an order: its customer or an ADMIN. It sits on the type
 * because the gateway's `_entities` fetches (e.g. Notification.order) bypass the Query rules.
 */
const ownsOrder = isOwnerOrAdmin<{ customerId: string }>("orderOwner", (order) => order.customerId);

/** A user's order history: the user themself or an ADMIN (anonymous UNAUTHENTICATED, others FORBIDDEN). */
const isSelfOrAdmin = isOwnerOrAdmin<{ id: string }>("userOrders", (user) => user.id);

/** Field-level authorization; anything not listed is denied. */
export const permissions = {
  // order(id) itself answers NOT_FOUND for other customers' orders (no hint they exist).
  Query: { order: isAuthenticated, orders: isAuthenticated },
  Mutation: {
    placeOrder: isAuthenticated,
    cancelOrder: isAuthenticated,
    markOrderShipped: isAdmin,
    markOrderDelivered: isAdmin,
  },
  User: { id: allow, orders: isSelfOrAdmin },
  Order: ownsOrder,
  // Reachable only through a protected Order field or payload.
  OrderItem: allow,
  Payment: allow,
  Address: allow,
  Product: allow,
  OrderConnection: allow,
  OrderEdge: allow,
  OrderPayload: allow,
};
