// `pnpm start` refuses before it starts anything (issue 18 §6): a misspelled gateway variable, and a
// second supervisor on the same checkout's data. The real supervisor, as package.json runs it; each
// refusal must come before the first "starting <process>" line, so no subgraph is ever spawned.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { acquireStartLock } from "../lib/checkout-state.ts";
import { SUPERVISOR_NODE_ARGS } from "../lib/processes.ts";
import { pickPorts } from "../lib/start-measurement.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const dataDirs: string[] = [];

afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs the supervisor to its exit on a fresh DATA_DIR (or `dataDir`) and free ports, with `extra` set. */
async function runSupervisor(extra: Record<string, string>, dataDir?: string) {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), "sg-start-refusal-"));
  dataDirs.push(dir);
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, NO_COLOR: "1", ...extra };
  delete env.NODE_ENV;
  for (const [name, port] of Object.entries(await pickPorts())) env[`${name.toUpperCase()}_PORT`] = String(port);
  const result = spawnSync(process.execPath, SUPERVISOR_NODE_ARGS, {
    cwd: ROOT,
    env,
    encoding: "utf8",
    // A refusal is immediate; a supervisor that started the stack instead is stopped here.
    timeout: 60_000,
    killSignal: "SIGKILL",
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("pnpm start refuses before starting anything", () => {
  it("a gateway variable one edit from a real one, with the suggestion", async () => {
    const { status, output } = await runSupervisor({ MAX_DEPHT: "3" });
    expect(status, output).toBe(1);
    expect(output).toContain("cannot start:");
    expect(output).toContain("MAX_DEPHT is not a variable of the gateway or any service; did you mean MAX_DEPTH?");
    expect(output).not.toMatch(/starting (users|products|orders|notifications|gateway)/);
  });

  it("a second supervisor on data another live one holds, naming it and the way out", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sg-start-refusal-"));
    // This test's process stands for the first `pnpm start`: alive, holding the lock.
    const release = acquireStartLock(dataDir);
    try {
      const { status, output } = await runSupervisor({}, dataDir);
      expect(status, output).toBe(1);
      expect(output).toContain(`another \`pnpm start\` (pid ${process.pid}) is running in this checkout`);
      expect(output).toContain("set DATA_DIR to another folder");
      expect(output).not.toMatch(/starting (users|products|orders|notifications|gateway)/);
    } finally {
      release();
    }
  });
});
