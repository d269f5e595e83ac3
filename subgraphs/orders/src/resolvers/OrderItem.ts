export const OrderItem = {
  // A reference only: products resolves the rest of the Product.
  product: (item: { productId: string }) => ({ __typename: "Product", id: item.productId }),
};
