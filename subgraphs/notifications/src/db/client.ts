import { createPgAdapter, TRANSACTION_OPTIONS } from "@shopgraph/db";
import { PrismaClient } from "./generated/client.ts";

export type { PrismaClient };
/** The notifications database client. */
export type Db = PrismaClient;

/** Creates the Prisma client over the pg driver adapter (no native engine). */
export function createDb(url: string, max: number): Db {
  return new PrismaClient({
    adapter: createPgAdapter({ connectionString: url, max }),
    transactionOptions: TRANSACTION_OPTIONS,
  });
}
