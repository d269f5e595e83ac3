import { configOrExit } from "@shopgraph/config";
import { runUntilSignal } from "@shopgraph/http";
import { createLogger } from "@shopgraph/logger";
import { flushTelemetryOnClose } from "@shopgraph/telemetry";
import { startNotificationsSubgraph } from "./app.ts";
import { loadNotificationsConfig } from "./config.ts";

const config = configOrExit(loadNotificationsConfig);
const logger = createLogger({
  service: "notifications",
  level: config.LOG_LEVEL,
  pretty: config.LOG_FORMAT === "pretty" && config.NODE_ENV === "development",
  redactEmails: config.NODE_ENV === "production",
});
await runUntilSignal(logger, async () => flushTelemetryOnClose(await startNotificationsSubgraph(config, { logger })));
