// What each GraphQL object type's resolvers receive as their parent. schema/codegen.ts maps the
// type X to `XMapper` here (`pnpm codegen`); types not listed are plain data of their GraphQL shape.
import type { Connection, Money } from "@shopgraph/subgraph-kit";
import type { Order, Payment } from "../db/order-repository.ts";

/** Users owns the entity: here a user is only its key. */
export type UserMapper = { id: string };
/** A stored order row: amounts in minor units, address in ship* columns. */
export type OrderMapper = Order;
/** A line as Order.items shapes it: priced, with the product still only an id. */
export type OrderItemMapper = {
  productId: string;
  title: string;
  quantity: number;
  unitPrice: Money;
  lineTotal: Money;
};
/** A stored payment attempt. */
export type PaymentMapper = Payment;
/** Connections count lazily (`totalCount` runs only when selected). */
export type OrderConnectionMapper = Connection<Order>;
