import type { EventEnvelope } from "./envelope.ts";
import { quoteTable } from "./inbox-store.ts";
import type { Query, SqlDatabase } from "./sql.ts";

/**
 * Idempotent handling for consumers on raw SQL (Prisma consumers do the same with `$transaction`):
 * records the event id in the ProcessedEvent table and runs `effects` in the SAME transaction.
 * A duplicate finds the id and does nothing; a concurrent duplicate waits on the key, then finds
 * it. Resolves false for a duplicate.
 */
export async function processOnce(
  db: SqlDatabase,
  event: EventEnvelope,
  effects: (query: Query) => Promise<void>,
  table = "ProcessedEvent",
): Promise<boolean> {
  return db.transaction(async (query) => {
    const inserted = await query(
      `INSERT INTO ${quoteTable(table)} ("eventId", type) VALUES ($1::uuid, $2) ON CONFLICT DO NOTHING RETURNING "eventId"`,
      [event.id, event.type],
    );
    if (inserted.length === 0) return false;
    await effects(query);
    return true;
  });
}
