import { spawn } from "node:child_process";
import { sleep } from "@shopgraph/util";
import { describe, expect, it } from "vitest";
import { formatMiB, processTreeMemory } from "../lib/process-memory.ts";

describe("processTreeMemory", () => {
  it("finds a child and a grandchild of a process, with their memory", async () => {
    // sh → sleep: the tree of the shell holds both, and nothing outside it.
    const shell = spawn("sh", ["-c", "sleep 5 & sleep 5; wait"], { stdio: "ignore", detached: true });
    try {
      await sleep(300);
      const tree = processTreeMemory(shell.pid!);
      expect(tree.map((p) => p.pid)).toContain(shell.pid);
      expect(tree.filter((p) => p.command.startsWith("sleep")).length).toBe(2);
      expect(tree.every((p) => p.rssBytes > 0)).toBe(true);
      expect(formatMiB(1.5 * 1024 * 1024)).toBe("1.5 MiB");
      expect(tree.some((p) => p.pid === process.pid)).toBe(false);
      expect(tree.every((p) => p.pssBytes > 0 && p.pssBytes <= p.rssBytes)).toBe(true);
      // The sampler's cheap form: RSS only.
      const cheap = processTreeMemory(shell.pid!, { pss: false });
      expect(cheap.map((p) => p.pid).sort()).toEqual(tree.map((p) => p.pid).sort());
      expect(cheap.every((p) => p.rssBytes > 0 && p.pssBytes === 0)).toBe(true);
    } finally {
      process.kill(-shell.pid!, "SIGKILL");
    }
  });
});
