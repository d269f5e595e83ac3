import type { CurrencyCode } from "@shopgraph/subgraph-kit";

/** Where a charge stands at the provider. VOIDED: authorization released, or a tombstone. */
export type ChargeStatus = "AUTHORIZED" | "CAPTURED" | "DECLINED" | "REFUNDED" | "VOIDED";

/** The provider's record of the charge for one order (the order id is its idempotency key). */
export interface ChargeRecord {
  orderId: string;
  reference: string;
  status: ChargeStatus;
  amountMinor: bigint;
  capturedMinor: bigint;
  refundedMinor: bigint;
  /** Why a charge was declined (card_declined, insufficient_funds) or voided. */
  declineCode: string | null;
}

/** A request to hold money on a payment token for an order. */
export interface AuthorizeRequest {
  orderId: string;
  amountMinor: bigint;
  currencyCode: CurrencyCode;
  token: string;
}

/**
 * A payment provider (simulated in this project). Every call is idempotent per order id: retrying
 * after a timeout never moves money twice. Declines are results, not errors.
 */
export interface PaymentProvider {
  /** Holds the amount; an existing charge for the order is returned as is. */
  authorize(request: AuthorizeRequest): Promise<ChargeRecord>;
  /** Takes the authorized money (no-op when already captured). */
  capture(orderId: string): Promise<ChargeRecord>;
  /**
   * Gives money back: captured → REFUNDED, authorized → VOIDED, unknown order → a VOIDED tombstone
   * so a late or retried authorization for that order can never succeed.
   */
  refund(orderId: string): Promise<ChargeRecord>;
  /** The provider's truth about an order's charge; null when it never saw the order. */
  lookup(orderId: string): Promise<ChargeRecord | null>;
}

/** Kinds of provider failure; after "timeout" and "unavailable" the outcome is unknown. */
export type PaymentProviderErrorKind = "timeout" | "unavailable" | "rejected";

/** A provider call failed; the caller must look the charge up before deciding anything. */
export class PaymentProviderError extends Error {
  readonly kind: PaymentProviderErrorKind;
  constructor(kind: PaymentProviderErrorKind, message: string) {
    super(message);
    this.name = "PaymentProviderError";
    this.kind = kind;
  }
}
