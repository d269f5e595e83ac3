// A producer's relay that dies mid-batch, for the fault tests: node relay-victim.ts <json>.
// It publishes the first `killAfter` events of its batch to Redis, then SIGKILLs itself before
// the transaction that would mark them published can commit.
import {
  connectPgDatabase,
  createOutboxRelay,
  createRedisStreamPublisher,
  type EventPublisher,
} from "@shopgraph/events";
import { testLogger } from "@shopgraph/testing";

const config = JSON.parse(process.argv[2] ?? "{}") as {
  databaseUrl: string;
  redisUrl: string;
  prefix: string;
  killAfter: number;
};
setTimeout(() => process.exit(3), 20_000).unref(); // never outlive the test
const inner = createRedisStreamPublisher({ url: config.redisUrl, prefix: config.prefix });
const publisher: EventPublisher = {
  async publish(events) {
    await inner.publish(events.slice(0, config.killAfter));
    process.kill(process.pid, "SIGKILL");
  },
  close: () => inner.close(),
};
await createOutboxRelay({
  db: connectPgDatabase(config.databaseUrl),
  publisher,
  logger: testLogger("relay-victim"),
}).relayOnce();
process.exit(2); // the batch must never complete
