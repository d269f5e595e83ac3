import { Writable } from "node:stream";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { context, SpanStatusCode } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "@shopgraph/logger";
import { contextFromTraceparent, currentTraceparent, getTelemetry, startTelemetry, withSpan } from "../src/index.ts";

// One SDK per process: this file starts it without an OTLP endpoint (the default), plus an
// in-memory exporter to look at what would have been exported.
const exporter = new InMemorySpanExporter();
const telemetry = startTelemetry({
  serviceName: "unit",
  tracesUrl: undefined,
  samplerRatio: 1,
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
});
afterAll(() => telemetry.shutdown());
// Export waits for the resource's asynchronous attributes (host id): flush before looking.
const finished = async () => (await telemetry.forceFlush(), exporter.getFinishedSpans());

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n"))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ service: "unit", destination }) };
}

describe("the telemetry SDK", () => {
  it("starts once per process and exports nowhere without an endpoint", () => {
    expect(getTelemetry()).toBe(telemetry);
    expect(startTelemetry({ serviceName: "again", tracesUrl: undefined, samplerRatio: 1 })).toBe(telemetry);
    expect(telemetry.exporting).toBe(false);
  });

  it("puts trace_id and span_id on log lines written inside a span, and none outside", async () => {
    const { lines, logger } = capture();
    let ids: { traceId: string; spanId: string } | undefined;
    await withSpan("work", {}, async (span) => {
      ids = span.spanContext();
      logger.info("inside");
    });
    logger.info("outside");
    expect(lines[0]).toMatchObject({ service: "unit", trace_id: ids?.traceId, span_id: ids?.spanId, msg: "inside" });
    expect(lines[1]).not.toHaveProperty("trace_id");
  });

  it("records a failure on the span (exception event, error status) and rethrows it", async () => {
    await expect(
      withSpan("failing", {}, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    const span = (await finished()).find((s) => s.name === "failing")!;
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events.some((e) => e.name === "exception")).toBe(true);
  });

  it("round-trips W3C traceparent: the current one, and a context continuing a stored one", async () => {
    expect(currentTraceparent()).toBeNull();
    const stored = await withSpan("producer", {}, async () => currentTraceparent());
    expect(stored).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await withSpan("consumer", { parent: contextFromTraceparent(stored) }, async (span) => {
      expect(span.spanContext().traceId).toBe(stored!.split("-")[1]);
    });
    const consumer = (await finished()).find((s) => s.name === "consumer")!;
    expect(consumer.parentSpanContext?.spanId).toBe(stored!.split("-")[2]);
    expect(context.active()).toBe(contextFromTraceparent(null));
  });
});
