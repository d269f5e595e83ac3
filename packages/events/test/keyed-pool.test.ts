import { describe, expect, it } from "vitest";
import { testLogger } from "@shopgraph/testing";
import { resolveConsumerOptions, runKeyed } from "../src/index.ts";

const tick = () => new Promise((r) => setImmediate(r));

describe("runKeyed", () => {
  it("runs at most `concurrency` items at once and a key's items one after another, in order", async () => {
    const items = ["a1", "b1", "a2", "c1", "b2", "d1", "a3", "e1"];
    let running = 0;
    let max = 0;
    const runningKeys = new Set<string>();
    const done: string[] = [];
    await runKeyed(items, { concurrency: 3, keyOf: (item) => item[0]! }, async (item) => {
      expect(runningKeys.has(item[0]!)).toBe(false);
      runningKeys.add(item[0]!);
      max = Math.max(max, ++running);
      await tick();
      await tick();
      running--;
      runningKeys.delete(item[0]!);
      done.push(item);
    });
    expect(max).toBe(3);
    expect(done.filter((i) => i.startsWith("a"))).toEqual(["a1", "a2", "a3"]);
    expect(done.filter((i) => i.startsWith("b"))).toEqual(["b1", "b2"]);
    expect(done).toHaveLength(items.length);
  });

  it("stops a key's lane at its first error, finishes the other lanes, then rethrows that error", async () => {
    const done: string[] = [];
    const run = runKeyed(["a1", "a2", "b1", "b2"], { concurrency: 2, keyOf: (item) => item[0]! }, async (item) => {
      await tick();
      if (item === "a1") throw new Error("a1 failed");
      done.push(item);
    });
    await expect(run).rejects.toThrow("a1 failed");
    expect(done).toEqual(["b1", "b2"]);
  });

  it("starts nothing more once the signal aborts", async () => {
    const controller = new AbortController();
    const done: string[] = [];
    await runKeyed(["a", "b", "c"], { concurrency: 1, keyOf: (i) => i, signal: controller.signal }, async (item) => {
      done.push(item);
      controller.abort();
    });
    expect(done).toEqual(["a"]);
  });
});

describe("consumer concurrency option", () => {
  const base = { group: "mailer", handler: async () => {}, logger: testLogger("events") };
  it.each([0, -1, 1.5])("rejects concurrency %s", (concurrency) => {
    expect(() => resolveConsumerOptions({ ...base, concurrency })).toThrow("concurrency must be a positive integer");
  });
  it("defaults to one at a time", () => {
    expect(resolveConsumerOptions(base).concurrency).toBe(1);
  });
});
