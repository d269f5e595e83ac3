import { releaseKey } from "../db/idempotency-repository.ts";
import { createPendingOrder } from "../db/order-writes.ts";
import type { CheckoutDeps } from "./checkout-deps.ts";
import type { CheckoutResult } from "./checkout-endings.ts";
import { runCheckout } from "./checkout-saga.ts";
import { checkIdempotencyKey, claimKey, hashRequest } from "./idempotency.ts";
import type { OrderWithLines } from "./order-events.ts";
import { priceLines, validatePlaceOrderInput, type PlaceOrderInput } from "./order-validation.ts";

/**
 * placeOrder for a signed-in customer: validate, claim the idempotency key (or replay / wait for
 * the first attempt), snapshot titles and prices from products, create the PENDING order and run
 * the saga. Returns what the key replays (the order id, null if none was kept, and userErrors) and,
 * when this call ran the saga to an end, the order as it wrote it.
 */
export async function placeOrder(
  deps: CheckoutDeps,
  customerId: string,
  input: PlaceOrderInput,
  idempotencyKey: string,
): Promise<CheckoutResult> {
  checkIdempotencyKey(idempotencyKey);
  const { lines, address } = validatePlaceOrderInput(input);
  const claim = await claimKey(deps.db, customerId, idempotencyKey, hashRequest(input), deps.idempotencyWaitMs);
  if (claim.kind === "replay") return claim.response;

  const key = { customerId, key: idempotencyKey };
  let order: OrderWithLines;
  try {
    const snapshots = await deps.products.getProducts(lines.map((l) => l.productId));
    const priced = priceLines(lines, snapshots);
    const subtotalMinor = priced.lines.reduce((sum, line) => sum + line.lineTotalMinor, 0n);
    // No shipping or tax yet: the total is the subtotal.
    order = await createPendingOrder(
      deps.db,
      {
        customerId,
        currencyCode: priced.currencyCode,
        subtotalMinor,
        totalMinor: subtotalMinor,
        address,
        lines: priced.lines,
      },
      key,
    );
  } catch (error) {
    // Nothing happened that a retry must see (Stripe does not store validation failures either).
    await releaseKey(deps.db, customerId, idempotencyKey);
    throw error;
  }
  return runCheckout(deps, order, key, input.paymentToken);
}
