import {
  isUuid,
  parseFirst,
  toConnection,
  createdAtCursor,
  decodeCreatedAtCursor,
  type Connection,
} from "@shopgraph/subgraph-kit";
import type { Viewer } from "@shopgraph/auth";
import type { Db } from "../db/client.ts";
import type { CustomerOrderLoaders } from "../db/customer-order-pages.ts";
import { countOrders, listOrders, type Order, type OrderFilter } from "../db/order-repository.ts";

/** Pagination arguments of every order list. */
export interface OrderPageArgs {
  first?: number | null;
  after?: string | null;
  status?: Order["status"] | null;
}

/** True when the viewer may see the order: its customer or an ADMIN. */
export const canSeeOrder = (viewer: Viewer, order: Order): boolean =>
  viewer.role === "ADMIN" || order.customerId === viewer.id;

/** A newest-first Relay page of orders (first ≤ 100, opaque cursors). */
export async function pageOfOrders(
  db: Db,
  scope: { customerId?: string },
  args: OrderPageArgs,
): Promise<Connection<Order>> {
  const first = parseFirst(args.first);
  const filter: OrderFilter = { ...scope, ...(args.status ? { status: args.status } : {}) };
  // A customer id that is not a UUID cannot own orders (and must not reach a uuid column).
  if (scope.customerId !== undefined && !isUuid(scope.customerId))
    return toConnection<Order>([], first, !!args.after, createdAtCursor, async () => 0);
  const rows = await listOrders(db, filter, first, args.after);
  return toConnection(rows, first, !!args.after, createdAtCursor, () => countOrders(db, filter));
}

/**
 * One customer's newest-first page (User.orders) through the per-request loaders, so a response
 * that lists the orders of many users costs two statements however many users it holds.
 */
export async function pageOfCustomerOrders(
  loaders: CustomerOrderLoaders,
  customerId: string,
  args: OrderPageArgs,
): Promise<Connection<Order>> {
  const first = parseFirst(args.first);
  if (!isUuid(customerId)) return toConnection<Order>([], first, !!args.after, createdAtCursor, async () => 0);
  const id = customerId.toLowerCase();
  const status = args.status ?? null;
  const rows = await loaders.pages.load({
    customerId: id,
    take: first + 1,
    after: decodeCreatedAtCursor(args.after) ?? null,
    status,
  });
  return toConnection(rows, first, !!args.after, createdAtCursor, () =>
    loaders.counts.load({ customerId: id, status }),
  );
}
