import { z } from "zod";
import { isUuid } from "@shopgraph/util";

/** Every event type Shopgraph publishes (DESIGN.md "Events"), with the producer in the comment. */
export const EventType = {
  /** users */
  USER_REGISTERED: "user.registered",
  /** users: sign-in to an account was locked after repeated failed passwords (the owner is e-mailed). */
  USER_LOGIN_LOCKED: "user.login_locked",
  /** orders */
  ORDER_CONFIRMED: "order.confirmed",
  ORDER_PAYMENT_FAILED: "order.payment_failed",
  ORDER_SHIPPED: "order.shipped",
  ORDER_DELIVERED: "order.delivered",
  ORDER_CANCELLED: "order.cancelled",
  /** products */
  INVENTORY_LOW_STOCK: "inventory.low_stock",
  /**
   * notifications: an in-app notification was committed (live updates: the gateway's
   * notificationAdded). Published straight after the commit, not through an outbox: best effort.
   */
  NOTIFICATION_CREATED: "notification.created",
} as const;

export type EventType = (typeof EventType)[keyof typeof EventType];

/** The workspace's one UUID check (@shopgraph/util), as a zod schema. */
const uuid = z.string().refine(isUuid, "must be a UUID");

/** `user.registered` v1. Unknown extra keys are ignored: additive changes keep the version. */
export const UserRegisteredV1 = z.object({
  userId: uuid,
  email: z.string().min(3).max(320),
  name: z.string().max(200),
  role: z.enum(["CUSTOMER", "ADMIN"]),
});
export type UserRegisteredV1 = z.infer<typeof UserRegisteredV1>;

/** `user.login_locked` v1: ACCOUNT_IP locks one (account, IP) pair, ACCOUNT the account from unknown IPs. */
export const LoginLockedV1 = z.object({
  userId: uuid,
  email: z.string().min(3).max(320),
  name: z.string().max(200),
  role: z.enum(["CUSTOMER", "ADMIN"]),
  scope: z.enum(["ACCOUNT_IP", "ACCOUNT"]),
  failures: z.number().int().positive(),
  lockedUntil: z.iso.datetime(),
  ipAddress: z.string().max(64).nullable(),
});
export type LoginLockedV1 = z.infer<typeof LoginLockedV1>;

/** `order.*` v1: the same shape for every order event; trackingNumber on shipped, reason on failures. */
export const OrderEventV1 = z.object({
  orderId: uuid,
  number: z.number().int().positive(),
  customerId: uuid,
  status: z.string().min(1).max(40),
  total: z.object({
    amount: z.string().regex(/^-?\d{1,12}\.\d{2}$/, "must be a decimal string with two fraction digits"),
    currencyCode: z.enum(["USD", "EUR", "GBP"]),
  }),
  trackingNumber: z.string().max(100).nullish(),
  reason: z.string().max(500).nullish(),
});
export type OrderEventV1 = z.infer<typeof OrderEventV1>;

/** `notification.created` v1: ids only; subscribers read the notification itself through the API. */
export const NotificationCreatedV1 = z.object({
  notificationId: uuid,
  userId: uuid,
  kind: z.string().min(1).max(40),
  orderId: uuid.nullable(),
});
export type NotificationCreatedV1 = z.infer<typeof NotificationCreatedV1>;

/** `inventory.low_stock` v1. */
export const LowStockV1 = z.object({
  productId: uuid,
  title: z.string().min(1).max(300),
  quantityAvailable: z.number().int().min(0),
});
export type LowStockV1 = z.infer<typeof LowStockV1>;

/** The order event types, in lifecycle order. */
export const ORDER_EVENT_TYPES: readonly EventType[] = [
  EventType.ORDER_CONFIRMED,
  EventType.ORDER_PAYMENT_FAILED,
  EventType.ORDER_SHIPPED,
  EventType.ORDER_DELIVERED,
  EventType.ORDER_CANCELLED,
];

/**
 * The order number as clients see it (contract `Order.number`): the event's Int zero-padded to six
 * digits, 123 → "SG-000123". Notifications must print the same string the API returns.
 */
export const formatOrderNumber = (number: number): string => `SG-${String(number).padStart(6, "0")}`;
