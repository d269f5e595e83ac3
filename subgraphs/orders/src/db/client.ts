import { createPgAdapter, TRANSACTION_OPTIONS } from "@shopgraph/db";
import { PrismaClient, type Prisma } from "./generated/client.ts";

export type { PrismaClient };
/** The orders database client. */
export type Db = PrismaClient;
/** A client or an interactive transaction: repositories that write inside one accept either. */
export type DbTx = Db | Prisma.TransactionClient;

/** Options for {@link createDb}. */
export interface CreateDbOptions {
  /** Called with every SQL statement sent (statement-count tests, debugging). */
  onQuery?: (sql: string) => void;
}

/** Creates the Prisma client over the pg driver adapter (no native engine). */
export function createDb(url: string, max: number, options: CreateDbOptions = {}): Db {
  const adapter = createPgAdapter({ connectionString: url, max });
  if (!options.onQuery) return new PrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS });
  const onQuery = options.onQuery;
  const db = new PrismaClient({
    adapter,
    transactionOptions: TRANSACTION_OPTIONS,
    log: [{ emit: "event", level: "query" }],
  });
  db.$on("query", (event) => onQuery(event.query));
  // The event-typed client is structurally the plain client plus $on overloads.
  return db;
}
