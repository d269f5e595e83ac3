/**
 * Defaults for every interactive transaction (PrismaClient `transactionOptions`). Prisma's own
 * maxWait is 2 s: under a checkout burst, requests queue for one of the pool's connections longer
 * than that, and a loser got "Unable to start a transaction in the given time" (P2028, an internal
 * error) instead of waiting its turn and being answered OUT_OF_STOCK. 200 concurrent reservations of
 * one product on a busy database answered their last after ~4.8 s here, so the wait is bounded by the
 * gateway's subgraph timeout (10 s) instead: callers with shorter budgets give up on their own, and
 * what they retry is idempotent. `timeout` bounds one transaction's run once started (Prisma's 5 s).
 */
export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 5_000 } as const;
