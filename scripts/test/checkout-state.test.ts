import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { acquireStartLock, checkoutServiceToken } from "../lib/checkout-state.ts";

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "sg-checkout-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("checkoutServiceToken", () => {
  it("generates a long random token once per checkout and reuses it", () => {
    const a = tempDir();
    const b = tempDir();
    const first = checkoutServiceToken(a);
    expect(first.length).toBeGreaterThanOrEqual(40);
    expect(checkoutServiceToken(a)).toBe(first);
    expect(checkoutServiceToken(b)).not.toBe(first);
    expect(readFileSync(join(a, "service-token"), "utf8").trim()).toBe(first);
  });
});

describe("acquireStartLock", () => {
  it("refuses a second supervisor while the first is alive, and frees the lock on release", async () => {
    const dir = tempDir();
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    try {
      acquireStartLock(dir, other.pid);
      expect(() => acquireStartLock(dir)).toThrow(/another `pnpm start` \(pid \d+\) is running/);
    } finally {
      other.kill("SIGKILL");
      await new Promise((resolve) => other.once("exit", resolve));
    }
    // The holder died: its stale lock is taken over.
    const release = acquireStartLock(dir);
    expect(readFileSync(join(dir, "start.pid"), "utf8").trim()).toBe(String(process.pid));
    release();
    expect(() => readFileSync(join(dir, "start.pid"))).toThrow();
  });

  it("takes over a lock holding garbage", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "start.pid"), "not a pid\n");
    expect(() => acquireStartLock(dir)()).not.toThrow();
  });
});
