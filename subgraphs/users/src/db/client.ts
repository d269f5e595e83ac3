import { createPgAdapter, TRANSACTION_OPTIONS } from "@shopgraph/db";
import { PrismaClient, type Prisma } from "./generated/client.ts";

export type { PrismaClient };
/** The users database client; the domain only passes it on to the repositories here. */
export type Db = PrismaClient;
/** An interactive transaction, opaque to the domain: handed back to repository functions. */
export type Tx = Prisma.TransactionClient;
/** A client or a transaction: repositories that may run inside one accept either. */
export type DbTx = Db | Tx;

/** Creates the Prisma client over the pg driver adapter (no native engine). */
export function createDb(url: string, max: number): Db {
  return new PrismaClient({
    adapter: createPgAdapter({ connectionString: url, max }),
    transactionOptions: TRANSACTION_OPTIONS,
  });
}

/** Runs `work` in one interactive transaction: committed when it resolves, rolled back when it throws. */
export function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(work);
}
