import { DomainError, userError, type UserError } from "@shopgraph/errors";
import { isUuid, type CurrencyCode } from "@shopgraph/subgraph-kit";
import { COUNTRY_CODES } from "./countries.ts";
import type { ProductSnapshot } from "./products-client.ts";

/** Most lines one order may have (checked before anything is stored or reserved). */
export const MAX_LINES = 50;
/** Most units of one product per line. */
export const MAX_QUANTITY = 100;
/** Longest payment token (providers' tokens are ~30 characters; Stripe ids stay under 255). */
export const MAX_PAYMENT_TOKEN_LENGTH = 255;
// Printable ASCII without spaces: what provider tokens are made of; anything else cannot be one.
const PAYMENT_TOKEN = /^[\x21-\x7e]+$/;

/** placeOrder's input as GraphQL delivers it. */
export interface PlaceOrderInput {
  lines: { productId: string; quantity: number }[];
  shippingAddress: {
    name: string;
    line1: string;
    line2?: string | null;
    city: string;
    postalCode: string;
    country: string;
  };
  paymentToken: string;
}

/** A validated, trimmed shipping address. */
export interface ShippingAddress {
  name: string;
  line1: string;
  line2: string | null;
  city: string;
  postalCode: string;
  country: string;
}

/** A line priced from the product snapshot. */
export interface PricedLine {
  productId: string;
  title: string;
  quantity: number;
  unitPriceMinor: bigint;
  lineTotalMinor: bigint;
}

const ADDRESS_MAX = { name: 100, line1: 200, line2: 200, city: 100, postalCode: 20 } as const;
// Control characters would corrupt labels and CSV exports; no address needs them.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const linePath = (index: number) => ["input", "lines", String(index)];

/** INVALID_LINE for each bad line: count 1–50, known-shaped product ids, quantity 1–100, no duplicates. */
export function checkLines(lines: PlaceOrderInput["lines"]): UserError[] {
  if (lines.length === 0 || lines.length > MAX_LINES)
    return [userError("INVALID_LINE", `An order has 1–${MAX_LINES} lines`, ["input", "lines"])];
  const errors: UserError[] = [];
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    if (!isUuid(line.productId)) errors.push(userError("INVALID_LINE", "Unknown product", linePath(index)));
    else if (seen.has(line.productId.toLowerCase()))
      errors.push(userError("INVALID_LINE", "Each product may appear on one line only", linePath(index)));
    else if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_QUANTITY)
      errors.push(userError("INVALID_LINE", `Quantity must be 1–${MAX_QUANTITY}`, linePath(index)));
    seen.add(line.productId.toLowerCase());
  });
  return errors;
}

/** Trims the address and reports INVALID_ADDRESS per field (required, max length, known country). */
export function checkAddress(input: PlaceOrderInput["shippingAddress"]): {
  address: ShippingAddress;
  errors: UserError[];
} {
  const errors: UserError[] = [];
  const text = (
    field: keyof typeof ADDRESS_MAX,
    value: string | null | undefined,
    required: boolean,
  ): string | null => {
    const trimmed = (value ?? "").trim();
    const path = ["input", "shippingAddress", field];
    if (required && trimmed.length === 0) errors.push(userError("INVALID_ADDRESS", `${field} is required`, path));
    else if (trimmed.length > ADDRESS_MAX[field])
      errors.push(userError("INVALID_ADDRESS", `${field} must be at most ${ADDRESS_MAX[field]} characters`, path));
    else if (CONTROL.test(trimmed))
      errors.push(userError("INVALID_ADDRESS", `${field} contains invalid characters`, path));
    return trimmed.length > 0 ? trimmed : null;
  };
  const address = {
    name: text("name", input.name, true) ?? "",
    line1: text("line1", input.line1, true) ?? "",
    line2: text("line2", input.line2, false),
    city: text("city", input.city, true) ?? "",
    postalCode: text("postalCode", input.postalCode, true) ?? "",
    country: input.country.trim().toUpperCase(),
  };
  if (!COUNTRY_CODES.has(address.country))
    errors.push(
      userError("INVALID_ADDRESS", "country must be an ISO 3166-1 alpha-2 code, e.g. US", [
        "input",
        "shippingAddress",
        "country",
      ]),
    );
  return { address, errors };
}

/** INVALID_PAYMENT_TOKEN unless 1–255 printable ASCII characters (never sent to the provider otherwise). */
export function checkPaymentToken(token: string): UserError[] {
  if (token.length > 0 && token.length <= MAX_PAYMENT_TOKEN_LENGTH && PAYMENT_TOKEN.test(token)) return [];
  return [
    userError(
      "INVALID_PAYMENT_TOKEN",
      `paymentToken must be 1–${MAX_PAYMENT_TOKEN_LENGTH} printable characters without spaces`,
      ["input", "paymentToken"],
    ),
  ];
}

/** Validates everything that needs no other service; throws every problem at once. */
export function validatePlaceOrderInput(input: PlaceOrderInput): {
  lines: PlaceOrderInput["lines"];
  address: ShippingAddress;
} {
  const { address, errors } = checkAddress(input.shippingAddress);
  const all = [...checkLines(input.lines), ...errors, ...checkPaymentToken(input.paymentToken)];
  if (all.length > 0) throw new DomainError(...all);
  // Ids are compared as products returns them (lower case).
  return { lines: input.lines.map((l) => ({ productId: l.productId.toLowerCase(), quantity: l.quantity })), address };
}

/**
 * Prices the lines from the products' snapshots: unknown or archived products and mixed
 * currencies are INVALID_LINE (an order is charged in one currency).
 */
export function priceLines(
  lines: PlaceOrderInput["lines"],
  snapshots: ReadonlyMap<string, ProductSnapshot>,
): { lines: PricedLine[]; currencyCode: CurrencyCode } {
  const errors: UserError[] = [];
  const currencyCode = snapshots.get(lines[0]?.productId ?? "")?.currencyCode ?? "USD";
  const priced = lines.map((line, index): PricedLine => {
    const product = snapshots.get(line.productId);
    if (!product || product.archived)
      errors.push(userError("INVALID_LINE", "This product is not available", linePath(index)));
    else if (product.currencyCode !== currencyCode)
      errors.push(
        userError("INVALID_LINE", `All products of an order must be priced in ${currencyCode}`, linePath(index)),
      );
    const unitPriceMinor = product?.priceMinor ?? 0n;
    return {
      productId: line.productId,
      title: product?.title ?? "",
      quantity: line.quantity,
      unitPriceMinor,
      lineTotalMinor: unitPriceMinor * BigInt(line.quantity),
    };
  });
  if (errors.length > 0) throw new DomainError(...errors);
  return { lines: priced, currencyCode };
}
