import type { Logger } from "@shopgraph/logger";
import pg from "pg";
import { retryDelayMs } from "./backoff.ts";

/**
 * The channel every producer's outbox trigger notifies (migration `*_outbox_notify`: AFTER INSERT
 * ON "OutboxEvent" FOR EACH STATEMENT → pg_notify). NOTIFY is per database, so one name serves
 * every producer.
 */
export const OUTBOX_NOTIFY_CHANNEL = "shopgraph_outbox";

/** Options for {@link listenForOutboxCommits}. */
export interface OutboxListenerOptions {
  /** A direct connection to the producer's database (not through a transaction-mode PgBouncer). */
  url: string;
  /** Called for every notification, and after each (re)connect unless `onListening` is given. */
  onCommit: () => void;
  /** Called after each (re)connect: rows may have committed unheard, none is known to have. Default `onCommit`. */
  onListening?: () => void;
  logger: Logger;
  /** pg application_name of the listening session. */
  applicationName?: string;
  /** Cap of the reconnect backoff. Default 5 s. */
  maxReconnectMs?: number;
  /** Default {@link OUTBOX_NOTIFY_CHANNEL}. */
  channel?: string;
}

/** A running listener. */
export interface OutboxListener {
  /** True while the LISTEN session is up. */
  readonly listening: boolean;
  close(): Promise<void>;
}

/**
 * Wakes the outbox relay when an outbox row commits, instead of leaving it to the next poll.
 * Why LISTEN/NOTIFY rather than an in-process wake: the rows are written from many places (Prisma
 * creates, orders' raw single-statement checkout ending, interactive transactions) and Prisma has
 * no after-commit hook, so only the database knows when a row became visible; a notification
 * raised inside the inserting transaction is delivered exactly at commit (never on rollback), and
 * it reaches the relay of every replica, whichever one wrote the row.
 *
 * One dedicated session (a pooled connection cannot hold LISTEN), reconnected with backoff
 * whenever it drops. Notifications are a hint only: the relay's poll stays as the fallback, so a
 * notification lost while the session was down costs one poll interval, never an event.
 */
export function listenForOutboxCommits(options: OutboxListenerOptions): OutboxListener {
  const channel = options.channel ?? OUTBOX_NOTIFY_CHANNEL;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid channel name: ${channel}`);
  const logger = options.logger.child({ component: "outbox-listener" });
  const maxMs = options.maxReconnectMs ?? 5_000;
  let client: pg.Client | undefined;
  let listening = false;
  let closed = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  const scheduleReconnect = () => {
    if (closed || timer) return;
    failures++;
    const delay = retryDelayMs(failures, { baseMs: 100, maxMs });
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
    timer.unref();
  };

  const drop = (c: pg.Client, error?: unknown) => {
    if (client !== c) return;
    client = undefined;
    if (listening || failures === 0)
      logger.warn({ err: error }, "outbox listener: session lost; polling until it is back");
    listening = false;
    c.removeAllListeners("notification");
    // A broken client may still hold its socket; ending it is best effort.
    c.end().catch(() => {});
    scheduleReconnect();
  };

  async function connect(): Promise<void> {
    if (closed) return;
    const c = new pg.Client({
      connectionString: options.url,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
      ...(options.applicationName ? { application_name: options.applicationName } : {}),
    });
    client = c;
    c.on("error", (error) => drop(c, error));
    c.on("end", () => drop(c));
    c.on("notification", (message) => {
      if (message.channel === channel) options.onCommit();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (error) {
      drop(c, error);
      return;
    }
    if (closed || client !== c) {
      await c.end().catch(() => {});
      return;
    }
    if (failures > 0) logger.info("outbox listener: listening again");
    listening = true;
    failures = 0;
    // Rows committed while nobody listened would otherwise wait for the poll.
    (options.onListening ?? options.onCommit)();
  }

  void connect();
  return {
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      const c = client;
      client = undefined;
      listening = false;
      await c?.end().catch(() => {});
    },
  };
}
