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
    const startedAt = performance.now();
    // A spinning process passes 200 ms of CPU within 10 s however crowded the machine (a fixed 1 s
    // window saw 160 ms at load 17 on 2 cores); counted in clock ticks or seconds it never would.
    let spent = 0;
    while (spent <= 200 && performance.now() - startedAt < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
      spent = cpuOf([busy.pid!]) - before;
    }
    const elapsedMs = performance.now() - startedAt;
    expect(spent).toBeGreaterThan(200);
    // Never more than every core for the time it ran (counted in µs it would be 1,000 times more).
    expect(spent).toBeLessThan(elapsedMs * 64);
  });

  it("skips processes that are gone instead of failing", () => {
    expect(sampleTree(2 ** 22 + 12_345)).toEqual({ cpuMs: 0, rssMb: [], peakRssMb: [] });
  });
});
