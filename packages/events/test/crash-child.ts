// A process that dies on purpose, for the crash tests: node crash-child.ts <relay|consumer> <json>.
// relay:    publishes the first `killAfter` events of its batch, then SIGKILLs itself mid-transaction.
// consumer: takes events and SIGKILLs itself inside the handler, before any acknowledgement.
import pg from "pg";
import { testLogger } from "@shopgraph/testing";
import {
  createHttpPushPublisher,
  createInboxConsumer,
  createOutboxRelay,
  createRedisStreamConsumer,
  createRedisStreamPublisher,
  pgDatabase,
  type EventConsumer,
  type EventHandler,
  type EventPublisher,
} from "../src/index.ts";
import type { ChildTransport } from "./support.ts";

const [mode, json] = process.argv.slice(2);
const config = JSON.parse(json ?? "{}") as {
  transport: ChildTransport;
  group?: string;
  databaseUrl?: string;
  killAfter?: number;
  maxAttempts?: number;
};
const logger = testLogger("crash-child");
const die = (): never => {
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable");
};
// Never outlive the test that spawned us, whatever happens.
setTimeout(() => process.exit(3), 20_000).unref();

if (mode === "relay") {
  const t = config.transport;
  const inner: EventPublisher =
    t.kind === "redis"
      ? createRedisStreamPublisher(t)
      : createHttpPushPublisher({ endpoints: t.endpoints, serviceToken: t.serviceToken });
  const publisher: EventPublisher = {
    async publish(events) {
      await inner.publish(events.slice(0, config.killAfter ?? 1));
      die();
    },
    close: () => inner.close(),
  };
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 1 });
  await createOutboxRelay({ db: pgDatabase(pool), publisher, logger }).relayOnce();
  process.exit(2); // the batch must not complete
} else if (mode === "consumer") {
  const t = config.transport;
  const handler: EventHandler = async () => die();
  const common = {
    group: config.group ?? "mailer",
    handler,
    logger,
    claimIdleMs: 100,
    pollIntervalMs: 50,
    retry: { maxAttempts: config.maxAttempts ?? 3, baseMs: 10, maxMs: 20 },
  };
  const consumer: EventConsumer =
    t.kind === "redis"
      ? createRedisStreamConsumer({ ...t, ...common, blockMs: 50 })
      : createInboxConsumer({ ...common, db: pgDatabase(new pg.Pool({ connectionString: t.databaseUrl, max: 1 })) });
  await consumer.start();
} else {
  process.exit(64);
}
