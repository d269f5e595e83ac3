import { configOrExit } from "@shopgraph/config";
import { runUntilSignal } from "@shopgraph/http";
import { createLogger } from "@shopgraph/logger";
import { flushTelemetryOnClose } from "@shopgraph/telemetry";
import { startProductsSubgraph } from "./app.ts";
import { loadProductsConfig } from "./config.ts";

const config = configOrExit(loadProductsConfig);
const logger = createLogger({
  service: "products",
  level: config.LOG_LEVEL,
  pretty: config.LOG_FORMAT === "pretty" && config.NODE_ENV === "development",
  redactEmails: config.NODE_ENV === "production",
});
await runUntilSignal(logger, async () => flushTelemetryOnClose(await startProductsSubgraph(config, { logger })));
