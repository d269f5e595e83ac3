import type { Db, Tx } from "./client.ts";

/**
 * Runs `work` in one interactive transaction (the client's transaction options apply): committed
 * when it resolves, rolled back when it throws. The domain hands `tx` back to repository functions.
 */
export function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(work);
}
