import { expect } from "vitest";
import { seedProducts } from "@shopgraph/fixtures";
import { gql } from "@shopgraph/testing";

/** A seeded product with stock enough for every order the live-updates tests place. */
export const liveProduct = seedProducts.find((p) => !p.archived && p.stock > 50)!;

/** The order a live-updates test placed. */
export interface PlacedOrder {
  id: string;
  number: string;
  status: string;
}

/** Places a one-line order through the gateway at `url` as the holder of `token`; throws with the answer when it fails. */
export async function placeOrderAs(url: string, token: string, key: string, name: string): Promise<PlacedOrder> {
  const res = await gql(
    url,
    "mutation($input: PlaceOrderInput!, $key: String!) { placeOrder(input: $input, idempotencyKey: $key) { order { id number status } userErrors { code } } }",
    {
      token,
      variables: {
        key,
        input: {
          lines: [{ productId: liveProduct.id, quantity: 1 }],
          shippingAddress: { name, line1: "1 Road", city: "Town", postalCode: "1000", country: "GB" },
          paymentToken: "tok_visa",
        },
      },
    },
  );
  const order = res.data?.placeOrder.order as PlacedOrder | undefined;
  if (!order) throw new Error(`placeOrder failed: ${JSON.stringify(res)}`);
  return order;
}

/** Moves an order on as an ADMIN (shipped, delivered), expecting no userErrors. */
export async function moveOrder(
  url: string,
  adminToken: string,
  mutation: "markOrderShipped" | "markOrderDelivered",
  id: string,
): Promise<void> {
  const res = await gql(url, `mutation($id: ID!) { ${mutation}(id: $id) { order { status } userErrors { code } } }`, {
    token: adminToken,
    variables: { id },
  });
  expect(res.data?.[mutation].userErrors).toEqual([]);
}
