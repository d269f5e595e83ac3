import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const REGISTER = fileURLToPath(new URL("../src/register.ts", import.meta.url));
const PROBE = fileURLToPath(new URL("./fixtures/instrumented-imports-probe.ts", import.meta.url));

/** What the probe reports in a fresh process preloaded the way every Shopgraph process is. */
async function probe(env: Record<string, string>): Promise<Record<string, boolean>> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", REGISTER, PROBE], {
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: "", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "", ...env },
  });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, boolean>;
}

describe("the telemetry preload (node --import register.ts)", () => {
  it("instruments node:http and node:https however the application imports them", async () => {
    expect(await probe({ OTEL_SDK_DISABLED: "false" })).toEqual({
      namedRequest: true,
      namedGet: true,
      defaultRequest: true,
      httpsNamespace: true,
      serverEmit: true,
    });
  });

  it("patches nothing with OTEL_SDK_DISABLED=true", async () => {
    const seen = await probe({ OTEL_SDK_DISABLED: "true" });
    expect(Object.values(seen).some(Boolean)).toBe(false);
  });
});
