import { toMoney } from "@shopgraph/subgraph-kit";
import type { Payment as PaymentRow } from "../db/order-repository.ts";

export const Payment = {
  amount: (payment: PaymentRow) => toMoney(payment.amountMinor, payment.currencyCode),
};
