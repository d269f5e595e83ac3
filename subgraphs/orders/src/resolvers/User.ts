import { pageOfCustomerOrders } from "../domain/order-queries.ts";
import type { UserResolvers } from "../generated/resolvers-types.ts";

export const User = {
  // Users owns the entity; orders only needs the id to list the user's orders.
  __resolveReference: (ref) => ({ id: ref.id }),
  orders: (user, args, ctx) => pageOfCustomerOrders(ctx.loaders.customerOrders, user.id, args),
} satisfies UserResolvers;
