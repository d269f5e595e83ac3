import { badUserInput } from "@shopgraph/errors";

/** Contract currencies. */
export type CurrencyCode = "USD" | "EUR" | "GBP";

/** The contract's Money: a decimal string with two fraction digits, never a float. */
export interface Money {
  amount: string;
  currencyCode: CurrencyCode;
}

/** Minor units (cents) → Money. */
export function toMoney(minor: bigint | number, currencyCode: CurrencyCode): Money {
  const value = BigInt(minor);
  const sign = value < 0n ? "-" : "";
  const abs = value < 0n ? -value : value;
  return { amount: `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`, currencyCode };
}

const DECIMAL = /^(\d{1,10})(?:\.(\d{1,2}))?$/;

/** A decimal string ("19.99", "5", "0.5") → minor units; anything else is BAD_USER_INPUT. */
export function parseMoney(amount: string, field: string[]): bigint {
  const match = DECIMAL.exec(amount.trim());
  if (!match?.[1])
    throw badUserInput('Expected a decimal amount with at most two fraction digits, e.g. "19.99"', field);
  return BigInt(match[1]) * 100n + BigInt((match[2] ?? "").padEnd(2, "0"));
}
