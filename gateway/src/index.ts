import "./telemetry-guard.ts";
import { configOrExit } from "@shopgraph/config";
import { runUntilSignal } from "@shopgraph/http";
import { createLogger } from "@shopgraph/logger";
import { flushTelemetryOnClose } from "@shopgraph/telemetry";
import { startGateway } from "./app.ts";
import { loadGatewayConfig } from "./config.ts";

const config = configOrExit(loadGatewayConfig);
const logger = createLogger({
  service: "gateway",
  level: config.LOG_LEVEL,
  pretty: config.LOG_FORMAT === "pretty" && config.NODE_ENV === "development",
  redactEmails: config.NODE_ENV === "production",
});
await runUntilSignal(logger, async () => flushTelemetryOnClose(await startGateway(config, { logger })));
