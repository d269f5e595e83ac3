import { maskRecipient } from "../domain/masking.ts";
import type { DeliveryResolvers } from "../generated/resolvers-types.ts";

export const Delivery = {
  // Stored in full (the sender needs it); never shown in full, not even to ADMINs.
  recipient: (d) => maskRecipient(d.channel, d.recipient),
} satisfies DeliveryResolvers;
