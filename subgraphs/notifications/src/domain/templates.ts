import { formatOrderNumber, type OrderEventV1 } from "@shopgraph/events";
import type { NotificationKind } from "../db/event-effects.ts";

/** The texts of one notification in every channel. */
export interface Rendered {
  kind: NotificationKind;
  /** In-app title and email subject. */
  title: string;
  /** In-app body (the storefront links the notification to its order itself). */
  body: string;
  /** Email body (plain text): the body plus a link back to the storefront. */
  email: string;
  /** SMS text: short, with the link; at most two segments. */
  sms: string;
}

/** Where the texts link to. */
export interface TemplateOptions {
  /** The storefront's base URL without a trailing slash (config STOREFRONT_URL). */
  storefrontUrl: string;
}

const SYMBOL: Record<string, string> = { USD: "$", EUR: "€", GBP: "£" };

/** Money for humans: "$19.99" (the amount is already a two-decimal string; no float involved). */
export const formatMoney = (money: { amount: string; currencyCode: string }): string =>
  `${SYMBOL[money.currencyCode] ?? `${money.currencyCode} `}${money.amount}`;

/** The storefront page of an order. */
export const orderUrl = (options: TemplateOptions, orderId: string): string =>
  `${options.storefrontUrl}/orders/${encodeURIComponent(orderId)}`;

const SMS_MAX = 320;

function render(
  kind: NotificationKind,
  title: string,
  body: string,
  link: { label: string; url: string },
  greeting = "Hi",
): Rendered {
  const email = `${greeting},\n\n${body}\n\n${link.label}: ${link.url}\n\n— The Shopgraph team`;
  // The link must survive the cut: shorten the body, never the URL.
  const tail = ` ${link.url}`;
  const sms = `Shopgraph: ${body}`.slice(0, Math.max(0, SMS_MAX - tail.length)) + tail;
  return { kind, title, body, email, sms };
}

/** WELCOME, for a new account. */
export function renderWelcome(name: string, options: TemplateOptions): Rendered {
  const firstName = name.trim().split(/\s+/)[0] || "there";
  const body = `Hi ${firstName}, thanks for joining Shopgraph! Browse the catalog and save favourites to get started.`;
  return render(
    "WELCOME",
    "Welcome to Shopgraph",
    body,
    { label: "Start shopping", url: options.storefrontUrl },
    `Hi ${firstName}`,
  );
}

/** The notification kind of each order event type. */
export const ORDER_KINDS: Readonly<Record<string, NotificationKind>> = {
  "order.confirmed": "ORDER_CONFIRMED",
  "order.payment_failed": "PAYMENT_FAILED",
  "order.shipped": "ORDER_SHIPPED",
  "order.delivered": "ORDER_DELIVERED",
  "order.cancelled": "ORDER_CANCELLED",
};

/**
 * The order templates: every one names the order number as the API shows it (SG-000123), the
 * total with its currency and links to the order; ORDER_SHIPPED adds the tracking number.
 */
export function renderOrder(kind: NotificationKind, order: OrderEventV1, options: TemplateOptions): Rendered {
  const n = formatOrderNumber(order.number);
  const total = formatMoney(order.total);
  const reason = order.reason ? ` (${order.reason})` : "";
  const link = { label: "View your order", url: orderUrl(options, order.orderId) };
  switch (kind) {
    case "ORDER_CONFIRMED":
      return render(
        kind,
        `Order ${n} confirmed`,
        `Thanks for your order! We received your payment of ${total} and are getting order ${n} ready to ship.`,
        link,
      );
    case "PAYMENT_FAILED":
      return render(
        kind,
        `Payment for order ${n} failed`,
        `We could not charge ${total} for order ${n}${reason}. Nothing was taken; please try again with another payment method.`,
        link,
      );
    case "ORDER_SHIPPED":
      return render(
        kind,
        `Order ${n} has shipped`,
        `Good news: order ${n} (${total}) is on its way. Tracking number: ${order.trackingNumber ?? "unavailable"}.`,
        link,
      );
    case "ORDER_DELIVERED":
      return render(kind, `Order ${n} was delivered`, `Order ${n} (${total}) has been delivered. Enjoy!`, link);
    case "ORDER_CANCELLED":
      return render(
        kind,
        `Order ${n} was cancelled`,
        `Order ${n} was cancelled${reason}. Any payment of ${total} is refunded to your original payment method.`,
        link,
      );
    case "WELCOME":
    case "LOW_STOCK":
    case "ACCOUNT_LOCKED":
      throw new Error(`${kind} is not an order notification`);
  }
}

/** LOW_STOCK, for ADMINs. */
export function renderLowStock(
  stock: { title: string; quantityAvailable: number },
  options: TemplateOptions,
): Rendered {
  const left = stock.quantityAvailable === 0 ? "is out of stock" : `has only ${stock.quantityAvailable} left`;
  return render(
    "LOW_STOCK",
    `Low stock: ${stock.title}`,
    `"${stock.title}" ${left}. Restock soon to avoid missed orders.`,
    { label: "Open Shopgraph", url: options.storefrontUrl },
  );
}

/** ACCOUNT_LOCKED, for the account's owner: what happened, until when, from where, and what to do. */
export function renderAccountLocked(
  lock: {
    name: string;
    scope: "ACCOUNT_IP" | "ACCOUNT";
    failures: number;
    lockedUntil: string;
    ipAddress: string | null;
  },
  options: TemplateOptions,
): Rendered {
  const firstName = lock.name.trim().split(/\s+/)[0] || "there";
  const until = new Date(lock.lockedUntil).toISOString().replace("T", " ").slice(0, 16);
  const from = lock.ipAddress ? `from the address ${lock.ipAddress}` : "from one address";
  const where = lock.scope === "ACCOUNT" ? "from several places" : from;
  const who = lock.scope === "ACCOUNT" ? "Sign-in from new devices is paused" : "Sign-in from that address is paused";
  const body =
    `We saw ${lock.failures} failed sign-in attempts on your Shopgraph account ${where}. ${who} until ${until} UTC. ` +
    "If this was you, wait and try again. If it wasn't, your password held; consider changing it to a unique one.";
  const link = { label: "Open Shopgraph", url: options.storefrontUrl };
  return render("ACCOUNT_LOCKED", "Sign-in to your account was paused", body, link, `Hi ${firstName}`);
}
