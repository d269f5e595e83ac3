import { spawn } from "node:child_process";
import { sleep } from "@shopgraph/util";
import { describe, expect, it } from "vitest";
import { descendantsOf, mainThreadTree, parseKbField, parseStat, procStat, residentBytes } from "../src/procfs.ts";

describe("parseStat / parseKbField", () => {
  it("reads state, parent pid and CPU times after a command name with spaces and parentheses", () => {
    const stat = "4242 (node (my app)) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 7 3 20 0 11 0 1000 0 0";
    expect(parseStat(stat)).toEqual({ state: "S", ppid: 17, cpuMs: 3000, reapedChildrenCpuMs: 100 });
  });

  it("reads kB fields as bytes and 0 when absent", () => {
    expect(parseKbField("Name:\tnode\nVmRSS:\t  2048 kB\n", "VmRSS")).toBe(2 * 1024 * 1024);
    expect(parseKbField("Name:\tnode\n", "VmRSS")).toBe(0);
  });
});

describe("live processes", () => {
  it("reads this process, its main thread, and nothing for a process that is gone", () => {
    const self = procStat(process.pid);
    expect(self).toMatchObject({ state: expect.stringMatching(/^[RS]$/), ppid: process.ppid });
    expect(procStat(`self/task/${process.pid}`)!.cpuMs).toBeLessThanOrEqual(self!.cpuMs + 10);
    const memory = residentBytes(process.pid)!;
    expect(memory.rssBytes).toBeGreaterThan(10 * 2 ** 20);
    expect(memory.peakRssBytes).toBeGreaterThanOrEqual(memory.rssBytes);
    expect(procStat(2 ** 30)).toBeUndefined();
    expect(residentBytes(2 ** 30)).toBeUndefined();
  });

  it("finds a child and a grandchild by parent pid and by the main threads' children lists", async () => {
    const shell = spawn("sh", ["-c", "sleep 5 & sleep 5; wait"], { stdio: "ignore", detached: true });
    try {
      await sleep(300);
      const scanned = descendantsOf(shell.pid!);
      expect(scanned).toHaveLength(3);
      expect(scanned).not.toContain(process.pid);
      expect(mainThreadTree(shell.pid!).sort()).toEqual([...scanned].sort());
    } finally {
      process.kill(-shell.pid!, "SIGKILL");
    }
  });
});
