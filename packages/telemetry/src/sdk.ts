import { diag } from "@opentelemetry/api";
import { W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { startNodeSdk } from "@opentelemetry/sdk-node";
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import type { TelemetryConfig } from "./config.ts";
import { createInstrumentations } from "./instrumentations.ts";
import { SnapshotMetricReader, type MetricPoint } from "./metric-reader.ts";

/** Options for {@link startTelemetry}. */
export interface StartTelemetryOptions extends Omit<TelemetryConfig, "enabled"> {
  /** More span processors (tests add an in-memory exporter); they see every sampled span. */
  spanProcessors?: SpanProcessor[];
  /** OTLP export timeout per batch. Default 5 s: a dead collector costs a background timer, never a request. */
  exportTimeoutMs?: number;
}

/** The running SDK of this process. */
export interface Telemetry {
  readonly serviceName: string;
  /** Whether spans leave the process (an OTLP endpoint is configured). */
  readonly exporting: boolean;
  /** Exports what is buffered now (tests; shutdown does it too). */
  forceFlush(): Promise<void>;
  /** Flushes and stops; the last step of a graceful shutdown. */
  shutdown(): Promise<void>;
  /** Current values of the OpenTelemetry metrics the instrumentations record (pg pool usage). */
  readMetrics(): Promise<MetricPoint[]>;
}

const GLOBAL = Symbol.for("shopgraph.telemetry");
type WithTelemetry = { [GLOBAL]?: Telemetry };

/** The SDK started in this process, if any (entry points flush it on shutdown). */
export function getTelemetry(): Telemetry | undefined {
  return (globalThis as WithTelemetry)[GLOBAL];
}

/**
 * Starts the OpenTelemetry SDK once per process. Everything is explicit so no OTEL_* default can
 * make the process contact an address nobody configured: traces go to `tracesUrl` over OTLP/HTTP
 * or nowhere; no OTLP logs or metrics exporters; W3C trace context and baggage propagation.
 * Without an endpoint spans are still created (a no-op processor keeps the tracer provider), so
 * log lines carry trace ids and `traceparent` still flows to the next service.
 */
export function startTelemetry(options: StartTelemetryOptions): Telemetry {
  const existing = getTelemetry();
  if (existing) return existing;
  const exporter = options.tracesUrl
    ? new OTLPTraceExporter({ url: options.tracesUrl, timeoutMillis: options.exportTimeoutMs ?? 5_000 })
    : undefined;
  const processors: SpanProcessor[] = [
    ...(exporter ? [new BatchSpanProcessor({ exporter, exportTimeoutMillis: options.exportTimeoutMs ?? 5_000 })] : []),
    ...(options.spanProcessors ?? []),
  ];
  const reader = new SnapshotMetricReader();
  const sdk = startNodeSdk({
    // The SDK's own diagnostics (e.g. an unreachable collector) go to stderr at warn; callers never see them.
    logLevel: "warn",
    resourceAttributes: { "service.name": options.serviceName },
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.samplerRatio) }),
    spanProcessors: processors.length > 0 ? processors : [new NoopSpanProcessor()],
    metricReaders: [reader],
    logRecordProcessors: [],
    instrumentations: createInstrumentations(),
  });
  let stopped: Promise<void> | undefined;
  const telemetry: Telemetry = {
    serviceName: options.serviceName,
    exporting: !!exporter,
    // An unreachable collector is reported, never thrown: flushing is best effort by design.
    forceFlush: async () => {
      await Promise.all(
        processors.map((p) =>
          p.forceFlush().catch((error: unknown) => diag.warn(`telemetry flush failed: ${String(error)}`)),
        ),
      );
    },
    shutdown: () =>
      (stopped ??= sdk.shutdown().catch((error: unknown) => diag.warn(`telemetry shutdown failed: ${String(error)}`))),
    readMetrics: () => reader.snapshot(),
  };
  (globalThis as WithTelemetry)[GLOBAL] = telemetry;
  return telemetry;
}

/** Flushes and stops the process's SDK, if one runs; safe to call more than once. */
export async function shutdownTelemetry(): Promise<void> {
  await getTelemetry()?.shutdown();
}
