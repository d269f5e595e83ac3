import { configOrExit } from "@shopgraph/config";
import { runUntilSignal } from "@shopgraph/http";
import { createLogger } from "@shopgraph/logger";
import { flushTelemetryOnClose } from "@shopgraph/telemetry";
import { startOrdersSubgraph } from "./app.ts";
import { loadOrdersConfig } from "./config.ts";

const config = configOrExit(loadOrdersConfig);
const logger = createLogger({
  service: "orders",
  level: config.LOG_LEVEL,
  pretty: config.LOG_FORMAT === "pretty" && config.NODE_ENV === "development",
  redactEmails: config.NODE_ENV === "production",
});
await runUntilSignal(logger, async () => flushTelemetryOnClose(await startOrdersSubgraph(config, { logger })));
