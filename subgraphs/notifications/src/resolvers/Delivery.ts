import type { Delivery as DeliveryRow } from "../db/delivery-repository.ts";
import { maskRecipient } from "../domain/masking.ts";

export const Delivery = {
  // Stored in full (the sender needs it); never shown in full, not even to ADMINs.
  recipient: (d: DeliveryRow) => maskRecipient(d.channel, d.recipient),
};
