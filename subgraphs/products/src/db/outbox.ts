import type { Tx } from "./client.ts";
import type { Prisma } from "./generated/client.ts";

/** An event to publish; written in the transaction of the change it reports (transactional outbox). */
export interface OutboxDraft {
  type: string;
  payload: Prisma.InputJsonValue;
}

/** Records events in the outbox; the relay publishes them after commit (at least once). */
export async function insertOutboxEvents(tx: Tx, events: readonly OutboxDraft[]): Promise<void> {
  if (events.length === 0) return;
  await tx.outboxEvent.createMany({ data: events.map((e) => ({ type: e.type, payload: e.payload })) });
}
