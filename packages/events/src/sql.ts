import pg from "pg";

/** Runs one SQL statement with $1… parameters and returns its rows. */
export type Query = <R extends Record<string, unknown> = Record<string, unknown>>(
  text: string,
  params?: unknown[],
) => Promise<R[]>;

/**
 * The raw-SQL access the event machinery needs, independent of any one Prisma client: single
 * statements, and a transaction on one connection (row locks must live as long as the batch).
 */
export interface SqlDatabase {
  query: Query;
  /** Runs `fn` in one transaction: commits when it resolves, rolls back when it rejects. */
  transaction<T>(fn: (query: Query) => Promise<T>): Promise<T>;
}

/** The parts of `pg.Pool` used here. */
export interface PgPoolLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  connect(): Promise<{
    query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
    release(destroy?: boolean | Error): void;
  }>;
}

/** A {@link SqlDatabase} over a pg Pool. */
export function pgDatabase(pool: PgPoolLike): SqlDatabase {
  return {
    query: async <R>(text: string, params: unknown[] = []) => (await pool.query(text, params)).rows as R[],
    async transaction(fn) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query("BEGIN");
        const result = await fn(
          async <R>(text: string, params: unknown[] = []) => (await client.query(text, params)).rows as R[],
        );
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => (broken = true));
        throw error;
      } finally {
        // A connection whose rollback failed is discarded rather than returned to the pool.
        client.release(broken);
      }
    },
  };
}

/** A {@link SqlDatabase} with its own small pg pool, for code that has no pool or Prisma client at hand. */
export function connectPgDatabase(
  connectionString: string,
  options: { max?: number; applicationName?: string; onIdleError?: (error: Error) => void } = {},
): SqlDatabase & { close(): Promise<void> } {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 1,
    connectionTimeoutMillis: 5_000,
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  });
  // Idle-connection errors (a server restart) surface on the next checkout; never crash the process.
  pool.on("error", (error) => options.onIdleError?.(error));
  return { ...pgDatabase(pool), close: () => pool.end() };
}

/** The parts of a Prisma client used here (structural, so no Prisma client is imported). */
export interface PrismaLike {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
  $transaction<R>(
    fn: (tx: { $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T> }) => Promise<R>,
    options?: { maxWait?: number; timeout?: number },
  ): Promise<R>;
}

/**
 * A {@link SqlDatabase} over a service's own Prisma client: no extra connections, which matters
 * for the embedded PGlite server (it serves one connection at a time). `timeoutMs` bounds a
 * transaction, including a relay's publish inside it. Default 30 s.
 */
export function prismaDatabase(prisma: PrismaLike, options: { timeoutMs?: number } = {}): SqlDatabase {
  const timeout = options.timeoutMs ?? 30_000;
  return {
    query: async <R>(text: string, params: unknown[] = []) =>
      (await prisma.$queryRawUnsafe<R[]>(text, ...params)) ?? [],
    transaction: (fn) =>
      prisma.$transaction(
        (tx) =>
          fn(async <R>(text: string, params: unknown[] = []) => (await tx.$queryRawUnsafe<R[]>(text, ...params)) ?? []),
        { maxWait: 10_000, timeout },
      ),
  };
}
