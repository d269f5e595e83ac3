import type { Tx } from "./client.ts";

/** A JSON value as event payloads hold it (plain data). */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json | undefined };

/** An event to publish; written in the transaction of the change it reports (transactional outbox). */
export interface OutboxDraft {
  type: string;
  payload: { readonly [key: string]: Json | undefined };
}

/** Records events in the outbox; the relay publishes them after commit (at least once). */
export async function insertOutboxEvents(tx: Tx, events: readonly OutboxDraft[]): Promise<void> {
  if (events.length === 0) return;
  await tx.outboxEvent.createMany({ data: events.map((e) => ({ type: e.type, payload: e.payload })) });
}
