import { context, diag, DiagConsoleLogger, DiagLogLevel, metrics, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import {
  defaultResource,
  detectResources,
  hostDetector,
  osDetector,
  processDetector,
  resourceAttributesEnvDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
} from "@opentelemetry/resources";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import {
  BatchSpanProcessor,
  NoopSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
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
  const { tracerProvider, meterProvider } = registerGlobals(
    options.serviceName,
    processors,
    options.samplerRatio,
    reader,
  );
  registerInstrumentations({ instrumentations: createInstrumentations(), tracerProvider, meterProvider });
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
      (stopped ??= Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]).then(
        () => undefined,
        (error: unknown) => diag.warn(`telemetry shutdown failed: ${String(error)}`),
      )),
    readMetrics: () => reader.snapshot(),
  };
  (globalThis as WithTelemetry)[GLOBAL] = telemetry;
  return telemetry;
}

/**
 * What `startNodeSdk` of @opentelemetry/sdk-node did with these options, wired by hand: that package
 * also loads every exporter it could be configured with (gRPC, protobuf, Prometheus, Zipkin) and the
 * declarative-configuration parser (YAML, JSON schema): 602 -> 336 modules for the telemetry alone, and
 * 102 -> 87 MiB RSS in a bare process, none of which runs here. Same resource (defaults, then the service, host,
 * OS and process detectors, then OTEL_RESOURCE_ATTRIBUTES, then the service name), AsyncLocalStorage
 * context, W3C propagation, the SDK's diagnostics on stderr at warn.
 */
function registerGlobals(
  serviceName: string,
  processors: SpanProcessor[],
  samplerRatio: number,
  reader: SnapshotMetricReader,
): { tracerProvider: TracerProvider; meterProvider: MeterProvider } {
  diag.setLogger(new DiagConsoleLogger(), { logLevel: DiagLogLevel.WARN });
  const contextManager = new AsyncLocalStorageContextManager();
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  const resource = defaultResource()
    .merge(detectResources({ detectors: [serviceInstanceIdDetector, hostDetector, osDetector, processDetector] }))
    .merge(detectResources({ detectors: [resourceAttributesEnvDetector] }))
    .merge(resourceFromAttributes({ "service.name": serviceName }));
  const tracerProvider = new TracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplerRatio) }),
    spanProcessors: processors.length > 0 ? processors : [new NoopSpanProcessor()],
  });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  return { tracerProvider, meterProvider };
}

/** Flushes and stops the process's SDK, if one runs; safe to call more than once. */
export async function shutdownTelemetry(): Promise<void> {
  await getTelemetry()?.shutdown();
}
