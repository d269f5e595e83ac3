import { createPgAdapter, TRANSACTION_OPTIONS } from "@shopgraph/db";
import { PrismaClient } from "./generated/client.ts";

export type { PrismaClient };
/** The products database client. */
export type Db = PrismaClient;
/** A client inside an interactive transaction. */
export type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/** A statement as Prisma reports it when query events are on. */
export interface QueryEvent {
  query: string;
  params: string;
  duration: number;
}

/** Creates the Prisma client over the pg driver adapter; `onQuery` sees every statement (tests count them). */
export function createDb(url: string, max: number, onQuery?: (event: QueryEvent) => void): Db {
  const adapter = createPgAdapter({ connectionString: url, max });
  if (!onQuery) return new PrismaClient({ adapter, transactionOptions: TRANSACTION_OPTIONS });
  const db = new PrismaClient({
    adapter,
    transactionOptions: TRANSACTION_OPTIONS,
    log: [{ emit: "event", level: "query" }],
  });
  db.$on("query", (event) => onQuery({ query: event.query, params: event.params, duration: Number(event.duration) }));
  return db;
}
