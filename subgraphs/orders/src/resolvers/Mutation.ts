import { DomainError, toPayload } from "@shopgraph/errors";
import { primeOrder, type OrdersContext } from "../context.ts";
import { placeOrder } from "../domain/checkout.ts";
import { cancelOrder, markOrderDelivered, markOrderShipped } from "../domain/order-lifecycle.ts";
import type { MutationResolvers } from "../generated/resolvers-types.ts";

// @authenticated/@requiresScopes on every mutation guarantee a viewer; this narrows the type.
const viewerOf = (ctx: OrdersContext) => ctx.viewer!;

export const Mutation = {
  // A declined payment answers with the (PAYMENT_FAILED) order and the decline, so it is not toPayload.
  // A checkout that ran answers from the rows it wrote; a replayed key reads its order.
  placeOrder: async (_, args, ctx) => {
    try {
      const result = await placeOrder(ctx.checkout, viewerOf(ctx).id, args.input, args.idempotencyKey);
      const { placed, orderId } = result;
      return {
        order: placed ? primeOrder(ctx, placed) : orderId ? await ctx.loaders.order.load(orderId) : null,
        userErrors: result.userErrors,
      };
    } catch (error) {
      if (error instanceof DomainError) return { order: null, userErrors: error.userErrors };
      throw error;
    }
  },
  cancelOrder: (_, args, ctx) => toPayload("order", () => cancelOrder(ctx.checkout, viewerOf(ctx), args.id)),
  markOrderShipped: (_, args, ctx) =>
    toPayload("order", () => markOrderShipped(ctx.checkout, args.id, args.trackingNumber)),
  markOrderDelivered: (_, args, ctx) => toPayload("order", () => markOrderDelivered(ctx.checkout, args.id)),
} satisfies MutationResolvers;
