import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const PROBE = fileURLToPath(new URL("./fixtures/telemetry-env-probe.ts", import.meta.url));
const SERVER = fileURLToPath(new URL("../src/server.ts", import.meta.url));

/** What @apollo/gateway saw in APOLLO_TELEMETRY_DISABLED when `specifier` loaded it in a fresh process without the variable. */
async function seenBy(specifier: string): Promise<string> {
  const env = { ...process.env };
  delete env.APOLLO_TELEMETRY_DISABLED; // vitest.config.ts sets it for every test: the child must start without it
  const { stdout } = await promisify(execFile)(process.execPath, [PROBE, specifier], {
    env,
    cwd: fileURLToPath(new URL("..", import.meta.url)),
  });
  return (JSON.parse(stdout.trim().split("\n").at(-1)!) as { seen: string }).seen;
}

describe("telemetry guard", () => {
  it("sets APOLLO_TELEMETRY_DISABLED before @apollo/gateway evaluates, when the gateway's server module is imported", async () => {
    expect(await seenBy(SERVER)).toBe("true");
  });

  it("is what makes the difference: @apollo/gateway imported on its own sees the variable unset", async () => {
    expect(await seenBy("@apollo/gateway")).toBe("undefined");
  });
});
