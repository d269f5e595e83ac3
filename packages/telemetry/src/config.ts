import { basename, dirname } from "node:path";
import { z } from "zod";

/** How tracing is set up in one process (read from the standard OTEL_* variables). */
export interface TelemetryConfig {
  /** False with OTEL_SDK_DISABLED=true: no SDK at all (no spans, no trace ids in logs). */
  enabled: boolean;
  /** `service.name` on every span. */
  serviceName: string;
  /** Full OTLP/HTTP traces URL; undefined = spans are created (log correlation, propagation) but exported nowhere. */
  tracesUrl: string | undefined;
  /** Head sampling ratio for new traces; a caller's sampling decision always wins (parent-based). */
  samplerRatio: number;
}

const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()))
  .pipe(z.url().optional());

const schema = z.object({
  OTEL_SDK_DISABLED: z.enum(["true", "false", ""]).optional(),
  OTEL_SERVICE_NAME: z.string().optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
  OTEL_TRACES_SAMPLER_ARG: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? 1 : Number(v)))
    .pipe(z.number().min(0, "must be a ratio between 0 and 1").max(1, "must be a ratio between 0 and 1")),
});

/** The service name implied by an entry point: subgraphs/users/src/index.ts → "users", gateway/src/index.ts → "gateway". */
export function serviceNameFromEntry(entry: string | undefined): string {
  if (!entry) return "shopgraph";
  const srcDir = dirname(entry);
  return basename(srcDir) === "src" ? basename(dirname(srcDir)) : basename(entry).replace(/\.[cm]?[jt]s$/, "");
}

/**
 * Reads the tracing settings; throws listing every invalid variable. Only the standard variables
 * are used, so any OpenTelemetry documentation applies: OTEL_EXPORTER_OTLP_ENDPOINT (base URL,
 * `/v1/traces` is appended) or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (full URL), OTEL_SERVICE_NAME,
 * OTEL_TRACES_SAMPLER_ARG, OTEL_SDK_DISABLED.
 */
export function telemetryConfigFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  entry: string | undefined = process.argv[1],
): TelemetryConfig {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new Error(
      `telemetry: invalid configuration\n  - ${result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n  - ")}`,
    );
  }
  const v = result.data;
  const base = v.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, "");
  return {
    enabled: v.OTEL_SDK_DISABLED !== "true",
    serviceName: v.OTEL_SERVICE_NAME?.trim() || serviceNameFromEntry(entry),
    tracesUrl: v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base}/v1/traces` : undefined),
    samplerRatio: v.OTEL_TRACES_SAMPLER_ARG,
  };
}
