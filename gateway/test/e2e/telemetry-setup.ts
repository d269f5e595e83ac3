// Imported first by observability.e2e.test.ts: what `node --import packages/telemetry/src/register.ts`
// does for a real process, pointed at a local OTLP receiver. The loader hook must be registered
// before pg and ioredis are imported, which is why this module runs before the stack's.
import { createRequire } from "node:module";
import { registerLoaderHook, startTelemetry } from "@shopgraph/telemetry";
import { startOtlpReceiver } from "./otlp-receiver.ts";

export const receiver = await startOtlpReceiver();
const acknowledged = registerLoaderHook();
export const telemetry = startTelemetry({
  serviceName: "shopgraph-e2e",
  tracesUrl: `${receiver.endpoint}/v1/traces`,
  samplerRatio: 1,
});
await acknowledged();
// The test runner imported node:http before the loader hook existed; a CommonJS load lets the
// http instrumentation patch it (a real process preloads telemetry before anything else).
createRequire(import.meta.url)("node:http");
