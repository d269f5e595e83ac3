import { describe, expect, it } from "vitest";
import { serviceNameFromEntry, telemetryConfigFromEnv } from "../src/config.ts";

describe("telemetryConfigFromEnv", () => {
  it("exports nothing unless an endpoint is configured", () => {
    expect(telemetryConfigFromEnv({}, "gateway/src/index.ts")).toEqual({
      enabled: true,
      serviceName: "gateway",
      tracesUrl: undefined,
      samplerRatio: 1,
    });
    expect(telemetryConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "" }).tracesUrl).toBeUndefined();
  });

  it("appends /v1/traces to the base endpoint; a traces endpoint is used as is", () => {
    expect(telemetryConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger:4318/" }).tracesUrl).toBe(
      "http://jaeger:4318/v1/traces",
    );
    expect(
      telemetryConfigFromEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b:4318/custom",
      }).tracesUrl,
    ).toBe("http://b:4318/custom");
  });

  it("reads the parent-based sampling ratio and the switch-off", () => {
    expect(telemetryConfigFromEnv({ OTEL_TRACES_SAMPLER_ARG: "0.25" }).samplerRatio).toBe(0.25);
    expect(telemetryConfigFromEnv({ OTEL_SDK_DISABLED: "true" }).enabled).toBe(false);
  });

  it("refuses invalid values, naming every one", () => {
    expect(() =>
      telemetryConfigFromEnv({ OTEL_TRACES_SAMPLER_ARG: "1.5", OTEL_EXPORTER_OTLP_ENDPOINT: "not a url" }),
    ).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT[\s\S]*OTEL_TRACES_SAMPLER_ARG|OTEL_TRACES_SAMPLER_ARG[\s\S]*OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    expect(() => telemetryConfigFromEnv({ OTEL_TRACES_SAMPLER_ARG: "half" })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
  });

  it("names the service after its entry point unless OTEL_SERVICE_NAME says otherwise", () => {
    expect(serviceNameFromEntry("/app/subgraphs/orders/src/index.ts")).toBe("orders");
    expect(serviceNameFromEntry("/app/gateway/src/index.ts")).toBe("gateway");
    expect(serviceNameFromEntry("/tmp/script.ts")).toBe("script");
    expect(telemetryConfigFromEnv({ OTEL_SERVICE_NAME: "edge" }, "/app/gateway/src/index.ts").serviceName).toBe("edge");
  });
});
