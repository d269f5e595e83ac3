// Starts tracing from the standard OTEL_* variables (see config.ts); imported by register.ts once
// the compile cache is on. Without an endpoint nothing leaves the process. An invalid setting
// stops the process here, like any other invalid configuration.
import { telemetryConfigFromEnv } from "./config.ts";
import { registerLoaderHook } from "./loader-hook.ts";
import { startTelemetry } from "./sdk.ts";

const config = telemetryConfigFromEnv();
if (config.enabled) {
  const acknowledged = registerLoaderHook();
  startTelemetry(config);
  await acknowledged();
}
