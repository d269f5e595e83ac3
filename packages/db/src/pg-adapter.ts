import { PrismaPg } from "@prisma/adapter-pg";

export type PgAdapterOptions = {
  connectionString: string;
  /** Pool size; use EMBEDDED_POOL_MAX (1) against the embedded server. */
  max: number;
  /** How long an idle connection stays open (pg default 10 000 ms). */
  idleTimeoutMillis?: number;
  /** How long to wait for a connection before failing (pg default: forever, which hides outages). */
  connectionTimeoutMillis?: number;
  /** Called for errors on idle pooled connections (e.g. the server restarted); without it they are only debug-logged. */
  onPoolError?: (err: Error) => void;
};

/** Builds the Prisma driver adapter; the adapter creates its own pg.Pool from these settings on connect. */
export function createPgAdapter(options: PgAdapterOptions): PrismaPg {
  return new PrismaPg(
    {
      connectionString: options.connectionString,
      max: options.max,
      idleTimeoutMillis: options.idleTimeoutMillis ?? 10_000,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    },
    options.onPoolError ? { onPoolError: options.onPoolError } : undefined,
  );
}
