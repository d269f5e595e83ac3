import { describe, expect, it } from "vitest";
import { ANONYMOUS, counter, createOperationNameLabeler, OTHER, registry, sourcedGauge } from "../src/index.ts";

describe("createOperationNameLabeler", () => {
  it("keeps known names, admits a bounded number of others, collapses the rest", () => {
    const label = createOperationNameLabeler({ known: ["Me", "CatalogPage"], maxDynamic: 2 });
    expect(label("Me")).toBe("Me");
    expect(label(undefined)).toBe(ANONYMOUS);
    expect(label("A")).toBe("A");
    expect(label("B")).toBe("B");
    expect(label("C")).toBe(OTHER);
    expect(label("A")).toBe("A");
    expect(label("CatalogPage")).toBe("CatalogPage");
  });

  it("never admits names that are not GraphQL names (or are absurdly long)", () => {
    const label = createOperationNameLabeler();
    expect(label("a b")).toBe(OTHER);
    expect(label("x".repeat(65))).toBe(OTHER);
    expect(label("ok_Name1")).toBe("ok_Name1");
  });
});

describe("the registry", () => {
  it("returns the same metric when a module registers a name twice (no duplicate-name crash)", () => {
    const a = counter({ name: "test_twice_total", help: "x" });
    const b = counter({ name: "test_twice_total", help: "x" });
    expect(a).toBe(b);
  });

  it("reads sourced gauges at scrape time, skipping failing sources and forgetting removed ones", async () => {
    const gauge = sourcedGauge({ name: "test_backlog", help: "x", labelNames: ["group"] as const });
    const stopA = gauge.add(async () => [{ labels: { group: "a" }, value: 3 }]);
    gauge.add(async () => {
      throw new Error("database down");
    });
    expect(await registry.getSingleMetricAsString("test_backlog")).toContain('test_backlog{group="a"} 3');
    stopA();
    expect(await registry.getSingleMetricAsString("test_backlog")).not.toContain('group="a"');
  });
});
