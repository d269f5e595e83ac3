import type { DbTx } from "./client.ts";

/** A JSON value as event payloads hold it (plain data). */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json | undefined };

/** An event to publish; written in the transaction of the change it reports (transactional outbox). */
export interface OutboxDraft {
  type: string;
  payload: { readonly [key: string]: Json | undefined };
}

/** Records one event in the outbox; the relay publishes it after commit (at least once). */
export async function insertOutboxEvent(db: DbTx, event: OutboxDraft): Promise<void> {
  await db.outboxEvent.create({ data: { type: event.type, payload: event.payload } });
}
