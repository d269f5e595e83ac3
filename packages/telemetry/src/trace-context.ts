import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from "@opentelemetry/api";

/** The tracer of Shopgraph's own spans (event publish/process, gateway plugins). */
export const tracer = trace.getTracer("shopgraph");

/** The W3C `traceparent` of the active span, or null when nothing is being traced. */
export function currentTraceparent(active: Context = context.active()): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  return carrier.traceparent ?? null;
}

/** A context whose parent is the given `traceparent` (from an event envelope); the root context when absent. */
export function contextFromTraceparent(traceparent: string | null | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/** Marks a span failed and records the exception (errors are always on spans, whatever the caller does with them). */
export function recordError(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message.slice(0, 200) });
}

/** Options for {@link withSpan}. */
export interface WithSpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Parent context; default the active one. */
  parent?: Context;
  links?: Link[];
}

/** Runs `fn` inside a new active span that ends when it settles; a rejection is recorded on the span and rethrown. */
export function withSpan<T>(name: string, options: WithSpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const { parent, ...spanOptions } = options;
  return tracer.startActiveSpan(name, spanOptions, parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The ids logs carry for correlation, or undefined outside a sampled span. */
export function activeTraceIds(): { trace_id: string; span_id: string; trace_flags: string } | undefined {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return undefined;
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: `0${spanContext.traceFlags.toString(16)}`,
  };
}

export { SpanKind, SpanStatusCode };
