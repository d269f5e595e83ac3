import { toMoney } from "@shopgraph/subgraph-kit";
import type { PaymentResolvers } from "../generated/resolvers-types.ts";

export const Payment = {
  amount: (payment) => toMoney(payment.amountMinor, payment.currencyCode),
} satisfies PaymentResolvers;
