import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { cpuOf, processTree, sampleTree } from "../lib/procfs.ts";

const children: ChildProcess[] = [];
afterEach(() => {
  // The whole tree: a grandchild outlives a killed parent.
  for (const child of children.splice(0)) {
    for (const pid of processTree(child.pid!).reverse()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
});

/** A node process that spawns `grandchildren` sleeping children, prints "ready" and (if `spin`) burns CPU. */
async function startTree(grandchildren: number, spin = false): Promise<ChildProcess> {
  const script = `
    const { spawn } = require("node:child_process");
    for (let i = 0; i < ${grandchildren}; i++) spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    setTimeout(() => console.log("ready"), 300);
    if (${spin}) { const end = Date.now() + 60000; setImmediate(function loop() { while (Date.now() % 50 !== 0); if (Date.now() < end) setImmediate(loop); }); }
    else setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  await once(child.stdout, "data");
  return child;
}

describe.runIf(process.platform === "linux")("procfs", () => {
  it("finds a process and all its descendants", async () => {
    const root = await startTree(2);
    const tree = processTree(root.pid!);
    expect(tree[0]).toBe(root.pid);
    expect(tree).toHaveLength(3);
    for (const pid of tree.slice(1)) expect(processTree(pid)).toEqual([pid]);
  });

  it("samples RSS and peak RSS per process (root first) in MB, plausible for node", async () => {
    const root = await startTree(1);
    const sample = sampleTree(root.pid!);
    expect(sample.rssMb).toHaveLength(2);
    expect(sample.peakRssMb).toHaveLength(2);
    for (const [i, rss] of sample.rssMb.entries()) {
      expect(rss).toBeGreaterThan(10);
      expect(rss).toBeLessThan(2_000);
      expect(sample.peakRssMb[i]).toBeGreaterThanOrEqual(rss);
    }
  });

  it("counts CPU time that grows with work, in ms", async () => {
    const busy = await startTree(0, true);
    const before = cpuOf([busy.pid!]);
    await new Promise((r) => setTimeout(r, 1_000));
    const spent = cpuOf([busy.pid!]) - before;
    // At least a fifth of a core over a second even on a crowded machine; never more than every core.
    expect(spent).toBeGreaterThan(200);
    expect(spent).toBeLessThan(1_000 * 64);
  });

  it("skips processes that are gone instead of failing", () => {
    expect(sampleTree(2 ** 22 + 12_345)).toEqual({ cpuMs: 0, rssMb: [], peakRssMb: [] });
  });
});
