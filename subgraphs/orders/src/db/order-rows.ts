import type { CurrencyCode } from "@shopgraph/subgraph-kit";

// The orders database's rows as plain types (not Prisma's): the domain, events and resolvers use
// these; the repositories' Prisma results are structurally the same.

/** Where an order stands (the database enum of the same name). */
export type OrderStatus = "PENDING" | "PAID" | "PAYMENT_FAILED" | "SHIPPED" | "DELIVERED" | "CANCELLED";

/** The outcome of one payment attempt (the database enum of the same name). */
export type PaymentStatus = "CAPTURED" | "DECLINED" | "REFUNDED";

/** An order (money in minor units; the shipping address flattened into ship* columns). */
export interface Order {
  id: string;
  number: number;
  customerId: string;
  status: OrderStatus;
  currencyCode: CurrencyCode;
  subtotalMinor: bigint;
  totalMinor: bigint;
  shipName: string;
  shipLine1: string;
  shipLine2: string | null;
  shipCity: string;
  shipPostalCode: string;
  shipCountry: string;
  trackingNumber: string | null;
  /** The checkout or cancellation step in progress; null once the saga ended. */
  sagaStep: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One line of an order: a price snapshot taken at checkout. */
export interface OrderLine {
  id: string;
  orderId: string;
  position: number;
  productId: string;
  title: string;
  unitPriceMinor: bigint;
  quantity: number;
  lineTotalMinor: bigint;
}

/** A payment attempt of an order. */
export interface Payment {
  id: string;
  orderId: string;
  status: PaymentStatus;
  amountMinor: bigint;
  currencyCode: CurrencyCode;
  provider: string;
  providerRef: string | null;
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An order with its lines (in position order), as the saga and events handle it. */
export type OrderWithLines = Order & { lines: OrderLine[] };

/** An order as its checkout just left it: the row, its lines and its one payment, as written (no re-read). */
export interface PlacedOrder {
  order: Order;
  lines: OrderLine[];
  payment: Payment;
}
