import { createPgAdapter, TRANSACTION_OPTIONS } from "@shopgraph/db";
import { PrismaClient } from "./generated/client.ts";

export type { PrismaClient };
/** The notifications database client. */
export type Db = PrismaClient;

/** Creates the Prisma client over the pg driver adapter; `onQuery` sees every statement (tests count them). */
export function createDb(url: string, max: number, onQuery?: (query: string) => void): Db {
  const adapter = createPgAdapter({ connectionString: url, max });
  if (!onQuery) return new PrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS });
  const db = new PrismaClient({
    adapter,
    transactionOptions: TRANSACTION_OPTIONS,
    log: [{ emit: "event", level: "query" }],
  });
  db.$on("query", (event) => onQuery(event.query));
  return db;
}
