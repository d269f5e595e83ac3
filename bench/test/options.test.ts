import { describe, expect, it } from "vitest";
import { parseBenchOptions } from "../lib/options.ts";

describe("parseBenchOptions", () => {
  it("has defaults that keep a full run short: 3 rounds of 1.5 s, workers 1 and 2, soak, cache run", () => {
    const options = parseBenchOptions([]);
    expect(options).toMatchObject({
      quick: false,
      seconds: 1.5,
      warmupSeconds: 0.5,
      rounds: 3,
      workers: [1, 2],
      connections: 16,
      orderRate: 10,
      soakSeconds: 60,
      profileSeconds: 6,
      cacheRun: true,
      scenarios: undefined,
      portBase: undefined,
      shopgraphEnv: {},
      shopgraphNodeFlags: undefined,
      multiWorkerScenarios: ["small", "heavy", "auth"],
    });
    expect(options.out).toMatch(/bench\/results\/latest$/);
  });

  it("--quick changes the defaults, explicit flags still win", () => {
    expect(parseBenchOptions(["--quick"])).toMatchObject({
      seconds: 1,
      rounds: 1,
      workers: [1],
      soakSeconds: 0,
      profileSeconds: 3,
      cacheRun: false,
    });
    expect(parseBenchOptions(["--quick", "--rounds", "4", "--workers", "2, 3"])).toMatchObject({
      rounds: 4,
      workers: [2, 3],
    });
  });

  it("parses lists and repeatable KEY=VALUE pairs (the value may hold '=')", () => {
    const options = parseBenchOptions([
      "--scenarios",
      "small, heavy,,",
      "--shopgraph-env",
      "A=1",
      "--shopgraph-env",
      "NODE_OPTIONS=--x=y",
      "--all-scenarios-multiworker",
    ]);
    expect(options.scenarios).toEqual(["small", "heavy"]);
    expect(options.shopgraphEnv).toEqual({ A: "1", NODE_OPTIONS: "--x=y" });
    expect(options.multiWorkerScenarios).toBeUndefined();
  });

  it("--shopgraph-node-flags replaces the gateway's deployed heap flags; empty means none", () => {
    expect(parseBenchOptions(["--shopgraph-node-flags", " --max-semi-space-size=8  --x "]).shopgraphNodeFlags).toEqual([
      "--max-semi-space-size=8",
      "--x",
    ]);
    expect(parseBenchOptions(["--shopgraph-node-flags", ""]).shopgraphNodeFlags).toEqual([]);
  });

  it("refuses values out of range, non-numbers and malformed pairs, naming the flag", () => {
    expect(() => parseBenchOptions(["--seconds", "0.1"])).toThrow("--seconds must be a number ≥ 0.5");
    expect(() => parseBenchOptions(["--rounds", "many"])).toThrow("--rounds");
    expect(() => parseBenchOptions(["--workers", "1,0"])).toThrow("--workers");
    expect(() => parseBenchOptions(["--shopgraph-env", "=x"])).toThrow('--shopgraph-env wants KEY=VALUE, got "=x"');
    expect(() => parseBenchOptions(["--no-such-flag"])).toThrow();
  });
});

describe("parseBenchOptions: passes and gateways (issue 16)", () => {
  it("runs the real-subgraph and replay passes by default, replaying heavy and fan-out 100 against all four gateways", () => {
    expect(parseBenchOptions([])).toMatchObject({
      modes: ["engine", "replay"],
      replayScenarios: ["heavy", "fanout-100"],
      gateways: ["shopgraph", "apollo", "hive", "hive-router"],
    });
  });

  it("keeps plain @apollo/gateway in every comparison (ratios are against it)", () => {
    expect(parseBenchOptions(["--gateways", "shopgraph,hive-router"]).gateways).toEqual([
      "shopgraph",
      "hive-router",
      "apollo",
    ]);
  });

  it("refuses an unknown pass or gateway, naming the flag", () => {
    expect(() => parseBenchOptions(["--modes", "engine,turbo"])).toThrow('--modes: unknown mode "turbo"');
    expect(() => parseBenchOptions(["--gateways", "mesh"])).toThrow('--gateways: unknown gateway "mesh"');
  });
});
