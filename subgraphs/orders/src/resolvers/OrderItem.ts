import type { OrderItemResolvers } from "../generated/resolvers-types.ts";

export const OrderItem = {
  // A reference only: products resolves the rest of the Product.
  product: (item) => ({ __typename: "Product", id: item.productId }),
} satisfies OrderItemResolvers;
