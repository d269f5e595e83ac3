import { DataPointType, MetricReader } from "@opentelemetry/sdk-metrics";

/** One value of an OpenTelemetry sum or gauge, e.g. db.client.connection.count{state="idle"}. */
export interface MetricPoint {
  name: string;
  attributes: Record<string, string>;
  value: number;
}

/**
 * A pull-only metric reader: Prometheus (prom-client) is the metrics backend, and this reader
 * lets it read the few values only OpenTelemetry instrumentations observe (pg pool usage) at
 * scrape time. Nothing is pushed anywhere.
 */
export class SnapshotMetricReader extends MetricReader {
  /** Sums and gauges as flat points; histograms are left to prom-client's own. */
  async snapshot(): Promise<MetricPoint[]> {
    const { resourceMetrics } = await this.collect();
    const points: MetricPoint[] = [];
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.dataPointType !== DataPointType.SUM && metric.dataPointType !== DataPointType.GAUGE) continue;
        for (const point of metric.dataPoints) {
          const attributes = Object.fromEntries(Object.entries(point.attributes).map(([k, v]) => [k, String(v)]));
          points.push({ name: metric.descriptor.name, attributes, value: point.value });
        }
      }
    }
    return points;
  }

  protected override async onForceFlush(): Promise<void> {}

  protected override async onShutdown(): Promise<void> {}
}
