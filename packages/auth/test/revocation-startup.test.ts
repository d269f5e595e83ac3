import { describe, expect, it } from "vitest";
import { createRevocationList, type RevocationStore } from "../src/index.ts";

/** A store that fails its first `failures` reads (its owner is not up yet), then answers empty. */
function storeFailingFirst(failures: number): RevocationStore {
  let reads = 0;
  return {
    kind: "http",
    async append() {},
    async read(cursor) {
      reads += 1;
      if (reads <= failures) throw new Error("connect ECONNREFUSED 127.0.0.1:4001");
      return { entries: [], cursor: cursor ?? "0" };
    },
  };
}

function recordingLogger() {
  const lines: { level: "info" | "warn"; msg: string }[] = [];
  return {
    lines,
    info: (_obj: object, msg: string) => lines.push({ level: "info", msg }),
    warn: (_obj: object, msg: string) => lines.push({ level: "warn", msg }),
  };
}

const syncIgnoringErrors = (list: ReturnType<typeof createRevocationList>) => list.sync().catch(() => undefined);

describe("revocation list: a store whose owner starts after the reader", () => {
  it("retries quietly within the start-up grace and says nothing once the store answers", async () => {
    const logger = recordingLogger();
    const list = createRevocationList({ store: storeFailingFirst(3), startupGraceMs: 60_000, logger });
    for (let i = 0; i < 4; i++) await syncIgnoringErrors(list);
    expect(list.lastSyncAt()).toBeDefined();
    expect(logger.lines).toEqual([]);
  });

  it("reports the outage at once without a grace, and its end", async () => {
    const logger = recordingLogger();
    const list = createRevocationList({ store: storeFailingFirst(2), logger });
    for (let i = 0; i < 3; i++) await syncIgnoringErrors(list);
    expect(logger.lines).toEqual([
      { level: "warn", msg: "revocation store unreachable; using the revocations known so far" },
      { level: "info", msg: "revocation store reachable again" },
    ]);
  });

  it("reports a failure after the store has answered once, grace or not", async () => {
    let down = false;
    const flaky: RevocationStore = {
      kind: "http",
      async append() {},
      async read(cursor) {
        if (down) throw new Error("users is gone");
        return { entries: [], cursor: cursor ?? "0" };
      },
    };
    const later = recordingLogger();
    const list = createRevocationList({ store: flaky, startupGraceMs: 60_000, logger: later });
    await syncIgnoringErrors(list);
    down = true;
    await syncIgnoringErrors(list);
    expect(later.lines.map((l) => l.level)).toEqual(["warn"]);
  });
});
