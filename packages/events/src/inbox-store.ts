import { randomUUID } from "node:crypto";
import { describeError, eventIdOf, parseEnvelope, type EventEnvelope } from "./envelope.ts";
import type { SqlDatabase } from "./sql.ts";

/** What the inbox needs: single statements (see pgDatabase / prismaDatabase). */
export type Queryable = Pick<SqlDatabase, "query">;

/**
 * The inbox table a consumer's own migration must create (notifications: model InboxEvent):
 * id uuid PK, type text, envelope jsonb, status text ('PENDING' | 'PROCESSED' | 'DEAD'),
 * attempts int, "lastError" text, "nextAttemptAt" timestamptz, "lockedBy" text,
 * "lockedUntil" timestamptz, "receivedAt" timestamptz, "processedAt" timestamptz (finished at).
 */
export const DEFAULT_INBOX_TABLE = "InboxEvent";

/** Quotes a table name after checking it is a plain identifier (it is interpolated into SQL). */
export function quoteTable(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`invalid table name: ${name}`);
  return `"${name}"`;
}

/** How one pushed batch was stored. */
export interface InboxWriteResult {
  accepted: number;
  duplicates: number;
  /** Malformed events: stored straight as dead letters, never retried. */
  rejected: number;
}

/**
 * Stores pushed events in one statement, idempotent on the event id (a relay retrying a batch
 * changes nothing). Malformed events become DEAD rows so they are visible, never lost or retried.
 */
export async function writeInbox(db: Queryable, table: string, values: readonly unknown[]): Promise<InboxWriteResult> {
  const rows: { id: string; type: string; envelope: unknown; status: string; lastError: string | null }[] = [];
  const valid = new Set<string>();
  for (const value of values) {
    let event: EventEnvelope;
    try {
      event = parseEnvelope(value);
    } catch (error) {
      const type =
        typeof (value as { type?: unknown } | null)?.type === "string"
          ? String((value as { type: string }).type).slice(0, 100)
          : "unknown";
      rows.push({
        id: eventIdOf(value) ?? randomUUID(),
        type,
        envelope: value ?? null,
        status: "DEAD",
        lastError: describeError(error),
      });
      continue;
    }
    valid.add(event.id);
    rows.push({ id: event.id, type: event.type, envelope: event, status: "PENDING", lastError: null });
  }
  if (rows.length === 0) return { accepted: 0, duplicates: 0, rejected: 0 };
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO ${quoteTable(table)} (id, type, envelope, status, "lastError", "processedAt")
     SELECT r.id, r.type, r.envelope, r.status, r."lastError", CASE WHEN r.status = 'DEAD' THEN now() END
     FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, type text, envelope jsonb, status text, "lastError" text)
     ON CONFLICT (id) DO NOTHING
     RETURNING id`,
    [JSON.stringify(rows)],
  );
  const stored = new Set(inserted.map((r) => r.id));
  const accepted = [...valid].filter((id) => stored.has(id)).length;
  return { accepted, duplicates: valid.size - accepted, rejected: rows.length - valid.size };
}

/** A leased inbox row. */
export interface ClaimedInboxEvent {
  id: string;
  envelope: unknown;
  /** Already counts this try. */
  attempts: number;
}

/**
 * Leases up to `limit` due rows to `worker` for `leaseMs`. SKIP LOCKED lets several workers claim
 * side by side; an expired lease (its worker crashed) makes the row claimable again.
 */
export async function claimInbox(
  db: Queryable,
  table: string,
  worker: string,
  leaseMs: number,
  limit: number,
): Promise<ClaimedInboxEvent[]> {
  const t = quoteTable(table);
  const rows = await db.query<{ id: string; envelope: unknown; attempts: number; receivedAt: Date }>(
    `WITH due AS (
       SELECT id FROM ${t}
       WHERE status = 'PENDING' AND "nextAttemptAt" <= now() AND ("lockedUntil" IS NULL OR "lockedUntil" <= now())
       ORDER BY "nextAttemptAt", "receivedAt"
       LIMIT $3::int
       FOR UPDATE SKIP LOCKED)
     UPDATE ${t} AS i
     SET "lockedBy" = $1, "lockedUntil" = now() + make_interval(secs => $2::double precision / 1000), attempts = i.attempts + 1
     FROM due WHERE i.id = due.id
     RETURNING i.id, i.envelope, i.attempts, i."receivedAt"`,
    [worker, leaseMs, limit],
  );
  return rows
    .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
    .map(({ id, envelope, attempts }) => ({ id, envelope, attempts }));
}

/** Records the outcome of a try; a no-op when the lease was lost to another worker meanwhile. */
export async function settleInbox(
  db: Queryable,
  table: string,
  worker: string,
  id: string,
  outcome: { kind: "done" } | { kind: "retry"; delayMs: number; error: string } | { kind: "dead"; error: string },
): Promise<void> {
  const t = quoteTable(table);
  const owned = `WHERE id = $1 AND "lockedBy" = $2`;
  const unlock = `"lockedBy" = NULL, "lockedUntil" = NULL`;
  if (outcome.kind === "done") {
    await db.query(
      `UPDATE ${t} SET status = 'PROCESSED', "processedAt" = now(), "lastError" = NULL, ${unlock} ${owned}`,
      [id, worker],
    );
  } else if (outcome.kind === "retry") {
    await db.query(
      `UPDATE ${t} SET "nextAttemptAt" = now() + make_interval(secs => $3::double precision / 1000), "lastError" = $4, ${unlock} ${owned}`,
      [id, worker, outcome.delayMs, outcome.error],
    );
  } else {
    await db.query(`UPDATE ${t} SET status = 'DEAD', "processedAt" = now(), "lastError" = $3, ${unlock} ${owned}`, [
      id,
      worker,
      outcome.error,
    ]);
  }
}

/** Deletes processed rows older than `retentionMs` (the dedup window; ProcessedEvent still guards later). */
export async function pruneInbox(db: Queryable, table: string, retentionMs: number): Promise<number> {
  const deleted = await db.query(
    `DELETE FROM ${quoteTable(table)} WHERE status = 'PROCESSED' AND "processedAt" < now() - make_interval(secs => $1::double precision / 1000) RETURNING id`,
    [retentionMs],
  );
  return deleted.length;
}
