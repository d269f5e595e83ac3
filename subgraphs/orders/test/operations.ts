/** Order fields most tests read. */
export const ORDER_FIELDS = `id number status trackingNumber createdAt updatedAt
  customer { id }
  items { product { id } title quantity unitPrice { amount currencyCode } lineTotal { amount currencyCode } }
  subtotal { amount currencyCode } total { amount currencyCode }
  shippingAddress { name line1 line2 city postalCode country }
  payment { id status amount { amount currencyCode } failureReason createdAt }`;

/** placeOrder with every order field. */
export const PLACE_ORDER = `mutation Place($input: PlaceOrderInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) { order { ${ORDER_FIELDS} } userErrors { code field message } }
}`;

/** The lifecycle mutations. */
export const CANCEL = `mutation($id: ID!) { cancelOrder(id: $id) { order { id status payment { status } } userErrors { code field message } } }`;
export const SHIP = `mutation($id: ID!, $t: String) { markOrderShipped(id: $id, trackingNumber: $t) { order { id status trackingNumber } userErrors { code field message } } }`;
export const DELIVER = `mutation($id: ID!) { markOrderDelivered(id: $id) { order { id status } userErrors { code field message } } }`;

/** A valid shipping address. */
export const ADDRESS = {
  name: "Ada Lovelace",
  line1: "12 St James's Square",
  city: "London",
  postalCode: "SW1Y 4JH",
  country: "GB",
};

/** placeOrder input for the given lines. */
export function orderInput(
  lines: { productId: string; quantity: number }[],
  paymentToken = "tok_visa",
  shippingAddress: Record<string, unknown> = ADDRESS,
) {
  return { lines, shippingAddress, paymentToken };
}
