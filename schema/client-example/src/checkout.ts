// Checkout: a mutation with an input type and userErrors, and the signed-in customer's orders.
import { graphql } from "./gql/index.ts";
import type { PlaceOrderInput, PlaceOrderMutation } from "./gql/graphql.ts";

/** Places an order; retry with the same idempotencyKey after a network error. */
export const PlaceOrderDocument = graphql(`
  mutation PlaceOrder($input: PlaceOrderInput!, $idempotencyKey: String!) {
    placeOrder(input: $input, idempotencyKey: $idempotencyKey) {
      order {
        id
        number
        status
        total {
          amount
          currencyCode
        }
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`);

/** The customer's recent orders. */
export const MyOrdersDocument = graphql(`
  query MyOrders($first: Int = 10) {
    me {
      id
      orders(first: $first) {
        edges {
          node {
            id
            number
            status
            createdAt
          }
        }
      }
    }
  }
`);

/** A sample input: typed from the schema's PlaceOrderInput. */
export const sampleOrder: PlaceOrderInput = {
  lines: [{ productId: "prod_1", quantity: 1 }],
  shippingAddress: { name: "Ada", line1: "1 Main St", city: "Berlin", postalCode: "10115", country: "DE" },
  paymentToken: "tok_visa",
};

/** The message to show for a result: the order number, or the first user error's code. */
export function describeResult(data: PlaceOrderMutation): string {
  const { order, userErrors } = data.placeOrder;
  return order ? `placed ${order.number}` : `refused: ${userErrors[0]?.code ?? "unknown"}`;
}
