import type { OrdersContext } from "../context.ts";
import { pageOfOrders, type OrderPageArgs } from "../domain/order-queries.ts";

export const User = {
  // Users owns the entity; orders only needs the id to list the user's orders.
  __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
  orders: (user: { id: string }, args: OrderPageArgs, ctx: OrdersContext) => pageOfOrders(ctx.db, { customerId: user.id }, args),
};
