// `node --import ./packages/telemetry/src/register.ts <entry>`: starts tracing before the entry
// point imports anything, which ESM requires for pg, ioredis and http to be instrumented. The
// settings are the standard OTEL_* variables (see config.ts); without an endpoint nothing leaves
// the process. An invalid setting stops the process here, like any other invalid configuration.
import { telemetryConfigFromEnv } from "./config.ts";
import { registerLoaderHook } from "./loader-hook.ts";
import { startTelemetry } from "./sdk.ts";

const config = telemetryConfigFromEnv();
if (config.enabled) {
  const acknowledged = registerLoaderHook();
  startTelemetry(config);
  await acknowledged();
}
