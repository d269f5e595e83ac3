import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { badUserInput, DomainError, userError } from "@shopgraph/errors";
import type { Db } from "../db/client.ts";
import { deleteExpiredKey, findKey, insertKey, type StoredResponse } from "../db/idempotency-repository.ts";

/** Keys are remembered for 24 hours (Stripe's window); after that the same key starts afresh. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * Idempotency keys: 8–128 characters of letters, digits and `._:-` (a UUID, a ULID or
 * "cart-42:attempt-1" fit). The floor refuses accidental keys ("1", " ") that a client would
 * reuse across carts; the character set keeps keys printable in logs and free of whitespace.
 */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;
/** Longest accepted idempotency key. */
export const MAX_KEY_LENGTH = 128;

/** JSON with object keys sorted and null/absent fields dropped: equal inputs give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The fingerprint a key is bound to: SHA-256 of the canonical JSON of the input. */
export const hashRequest = (input: unknown): string => createHash("sha256").update(canonicalJson(input)).digest("hex");

/** BAD_USER_INPUT unless the key matches {@link IDEMPOTENCY_KEY}; checked before anything is read or stored. */
export function checkIdempotencyKey(key: string): void {
  if (!IDEMPOTENCY_KEY.test(key))
    throw badUserInput(`idempotencyKey must be 8–${MAX_KEY_LENGTH} characters of A–Z, a–z, 0–9, ".", "_", ":" or "-"`, [
      "idempotencyKey",
    ]);
}

/** Either this request owns the key and runs the checkout, or it replays the first attempt's answer. */
export type KeyClaim = { kind: "owner" } | { kind: "replay"; response: StoredResponse };

/**
 * Stripe semantics, scoped to the customer. The record is inserted before any work, so of N
 * concurrent duplicates exactly one owns the key; the others poll until its answer is stored.
 * A different input under the same key is IDEMPOTENCY_KEY_REUSED; a first attempt still running
 * after `waitMs` is IDEMPOTENCY_KEY_IN_USE (retry later: recovery finishes abandoned attempts).
 */
export async function claimKey(
  db: Db,
  customerId: string,
  key: string,
  requestHash: string,
  waitMs: number,
): Promise<KeyClaim> {
  const deadline = Date.now() + waitMs;
  let pause = 20;
  for (;;) {
    const now = new Date();
    if (await insertKey(db, { customerId, key, requestHash, expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS) }))
      return { kind: "owner" };
    const record = await findKey(db, customerId, key);
    if (!record) continue; // given back between our insert and read: try to own it
    if (record.expiresAt <= now) {
      await deleteExpiredKey(db, customerId, key, now);
      continue;
    }
    if (record.requestHash !== requestHash) {
      throw new DomainError(
        userError("IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used with a different input", [
          "idempotencyKey",
        ]),
      );
    }
    if (record.state === "COMPLETED" && record.response) return { kind: "replay", response: record.response };
    if (Date.now() + pause > deadline) {
      throw new DomainError(
        userError(
          "IDEMPOTENCY_KEY_IN_USE",
          "A request with this idempotency key is still being processed; retry later",
          ["idempotencyKey"],
        ),
      );
    }
    await sleep(pause);
    pause = Math.min(pause * 2, 250);
  }
}
