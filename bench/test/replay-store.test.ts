import { describe, expect, it } from "vitest";
import { missAnswer, ReplayStore } from "../lib/replay-store.ts";

describe("ReplayStore", () => {
  const answer = (body: string) => ({ status: 200, contentType: "application/json", body });

  it("answers an exact body with its recording and counts hits and misses", () => {
    const store = new ReplayStore();
    store.record('{"query":"{a}"}', answer('{"data":{"a":1}}'));
    expect(store.lookup('{"query":"{a}"}')?.body).toBe('{"data":{"a":1}}');
    expect(store.lookup('{"query":"{a}" }')).toBeUndefined();
    expect(store.lookup('{"query":"{b}"}')).toBeUndefined();
    expect({ size: store.size, hits: store.hits, misses: store.misses }).toEqual({ size: 1, hits: 1, misses: 2 });
  });

  it("keeps the first answer of a body recorded twice", () => {
    const store = new ReplayStore();
    store.record("x", answer("first"));
    store.record("x", answer("second"));
    expect(store.lookup("x")?.body).toBe("first");
  });

  it("answers a miss with a coded GraphQL error, never data", () => {
    const miss = JSON.parse(missAnswer("users").body) as { data?: unknown; errors: { extensions: { code: string } }[] };
    expect(miss.data).toBeUndefined();
    expect(miss.errors[0]!.extensions.code).toBe("REPLAY_MISS");
  });
});
