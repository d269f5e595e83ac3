import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

describe("scripts/check-gateway-config.ts (pnpm start's preflight)", () => {
  const check = (env: Record<string, string>) =>
    spawnSync(process.execPath, ["scripts/check-gateway-config.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
      encoding: "utf8",
    });

  it("refuses a misspelled name and a bad value together, and passes a clean environment", () => {
    const bad = check({ MAX_DEPHT: "3", CORS_ORIGINS: "*" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("CORS_ORIGINS: must list origins explicitly");
    expect(bad.stderr).toContain("MAX_DEPHT is not a variable of the gateway or any service; did you mean MAX_DEPTH?");
    const good = check({ MAX_DEPTH: "12" });
    expect(good.stderr).toBe("");
    expect(good.status).toBe(0);
  });
});
