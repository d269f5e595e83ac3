/** @shopgraph/telemetry: the OpenTelemetry SDK bootstrap and trace-context helpers every process uses. */
export * from "./config.ts";
export * from "./sdk.ts";
export * from "./trace-context.ts";
export * from "./loader-hook.ts";
export type { MetricPoint } from "./metric-reader.ts";
export * from "./lifecycle.ts";
