import { configOrExit } from "@shopgraph/config";
import { runUntilSignal } from "@shopgraph/http";
import { createLogger } from "@shopgraph/logger";
import { flushTelemetryOnClose } from "@shopgraph/telemetry";
import { startUsersSubgraph } from "./app.ts";
import { loadUsersConfig } from "./config.ts";

const config = configOrExit(loadUsersConfig);
const logger = createLogger({
  service: "users",
  level: config.LOG_LEVEL,
  pretty: config.LOG_FORMAT === "pretty" && config.NODE_ENV === "development",
  redactEmails: config.NODE_ENV === "production",
});
await runUntilSignal(logger, async () => flushTelemetryOnClose(await startUsersSubgraph(config, { logger })));
