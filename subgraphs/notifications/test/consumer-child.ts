// The notifications service as its own process, for the SIGKILL tests: node consumer-child.ts,
// configured entirely by its environment like production (DATABASE_URL, REDIS_URL…). It starts the
// real subgraph (event consumer, delivery sender, POST /events inbox) and reports its URL over IPC.
import { testLogger } from "@shopgraph/testing";
import { startNotificationsSubgraph } from "../src/app.ts";
import { loadNotificationsConfig } from "../src/config.ts";

// Never outlive the test that spawned us: its IPC channel closing means it is gone.
process.on("disconnect", () => process.exit(0));
setTimeout(() => process.exit(3), 180_000).unref();

const subgraph = await startNotificationsSubgraph(loadNotificationsConfig(process.env), {
  logger: testLogger("notifications-child"),
});
process.send?.({ url: subgraph.url });
process.on("SIGTERM", () => void subgraph.close().then(() => process.exit(0)));
