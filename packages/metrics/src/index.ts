/** @shopgraph/metrics: the Prometheus registry, /metrics, and the metrics shared by every process. */
export * from "./registry.ts";
export * from "./operation-names.ts";
export * from "./http-metrics.ts";
export * from "./graphql-metrics.ts";
