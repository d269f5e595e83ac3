import { describe, expect, it } from "vitest";
import { testLogger } from "@shopgraph/testing";
import { createCacheAside } from "../src/cache/cache-aside.ts";
import { createDisabledEntityCache, createMemoryEntityCache, type EntityCache } from "../src/cache/entity-cache.ts";

/** A cache-aside over an in-memory "database" that counts what it encodes for fills. */
function aside(cache: EntityCache) {
  const encoded: string[] = [];
  const loader = createCacheAside<{ id: string; n: number }>({
    cache,
    namespace: "thing",
    ttlSeconds: 60,
    fetch: async (ids) => ids.filter((id) => id !== "missing").map((id) => ({ id, n: id.length })),
    idOf: (v) => v.id,
    serialize: (v) => {
      encoded.push(v.id);
      return JSON.stringify(v);
    },
    deserialize: (text) => JSON.parse(text) as { id: string; n: number },
    logger: testLogger(),
  });
  return { loader, encoded };
}

describe("cache-aside", () => {
  it("with caching off reads the database every time and encodes nothing (no fill could land)", async () => {
    const { loader, encoded } = aside(createDisabledEntityCache());
    expect(await loader.loadMany(["a", "bb", "missing"])).toEqual([{ id: "a", n: 1 }, { id: "bb", n: 2 }, null]);
    expect(await loader.loadMany(["a"])).toEqual([{ id: "a", n: 1 }]);
    expect(encoded).toEqual([]);
  });

  it("with a cache fills each row read once and then answers from it", async () => {
    const { loader, encoded } = aside(createMemoryEntityCache());
    expect(await loader.loadMany(["a", "bb"])).toEqual([
      { id: "a", n: 1 },
      { id: "bb", n: 2 },
    ]);
    expect(await loader.loadMany(["a", "bb"])).toEqual([
      { id: "a", n: 1 },
      { id: "bb", n: 2 },
    ]);
    expect(encoded).toEqual(["a", "bb"]);
  });
});
