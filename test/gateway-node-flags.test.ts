// The gateway's V8 heap flags and glibc malloc settings (gateway/src/node-flags.ts) in every command
// that starts it outside the supervisor, whose own test covers it (scripts/test/processes.test.ts).
// Without them the gateway still runs, only with a heap sized for the machine and glibc's default
// arenas: nothing else would notice a missing flag.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { GATEWAY_MALLOC_ENV, GATEWAY_NODE_FLAGS } from "../gateway/src/node-flags.ts";

const ROOT = join(import.meta.dirname, "..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
const ENTRY = ["--import", "./packages/telemetry/src/register.ts", "gateway/src/index.ts"];
const expected = ["node", ...GATEWAY_NODE_FLAGS, ...ENTRY];

describe("the gateway's Node flags", () => {
  it("are V8 heap flags with a value", () => {
    expect(GATEWAY_NODE_FLAGS.length).toBeGreaterThan(0);
    for (const flag of GATEWAY_NODE_FLAGS) expect(flag).toMatch(/^--max-(semi|old)-space-size=\d+$/);
  });

  it("are glibc malloc variables with integer values, which this Node starts with", () => {
    for (const [name, value] of Object.entries(GATEWAY_MALLOC_ENV)) {
      expect(name).toMatch(/^MALLOC_[A-Z_]+$/);
      expect(value).toMatch(/^\d+$/);
    }
    const run = spawnSync(process.execPath, [...GATEWAY_NODE_FLAGS, "-p", "process.env.MALLOC_ARENA_MAX"], {
      env: { ...process.env, ...GATEWAY_MALLOC_ENV },
      encoding: "utf8",
    });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(GATEWAY_MALLOC_ENV.MALLOC_ARENA_MAX);
  });

  it("are in the Dockerfile's CMD (the image's default process is the gateway)", () => {
    const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(read("Dockerfile"))?.[1];
    expect(cmd).toBeDefined();
    expect(JSON.parse(cmd!)).toEqual(expected);
  });

  it("are in docker-compose.yml's gateway command", () => {
    const compose = parse(read("docker-compose.yml"), { merge: true }) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
    };
    expect(compose.services.gateway?.command).toEqual(expected);
    expect(compose.services.gateway?.environment).toMatchObject(GATEWAY_MALLOC_ENV);
  });

  it("are in the Kubernetes Deployment's gateway container", () => {
    const objects = parseAllDocuments(read("deploy/kubernetes/base/gateway.yaml")).map(
      (d) =>
        d.toJS() as {
          kind?: string;
          spec?: {
            template?: {
              spec?: {
                containers?: { name: string; command?: string[]; env?: { name: string; value?: string }[] }[];
              };
            };
          };
        },
    );
    const deployment = objects.find((o) => o.kind === "Deployment");
    const container = deployment?.spec?.template?.spec?.containers?.find((c) => c.name === "gateway");
    expect(container?.command).toEqual(expected);
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject(GATEWAY_MALLOC_ENV);
  });

  it("are in `pnpm start:gateway`", () => {
    const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
    const malloc = Object.entries(GATEWAY_MALLOC_ENV).map(([name, value]) => `${name}=${value}`);
    expect(scripts["start:gateway"]?.split(/\s+/)).toEqual([...malloc, ...expected]);
  });
});
