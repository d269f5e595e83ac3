// The gateway's V8 heap flags (gateway/src/node-flags.ts) in every command that starts it outside the
// supervisor, whose own test covers it (scripts/test/processes.test.ts). Without them the gateway
// still runs, only with a heap sized for the machine: nothing else would notice a missing flag.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { GATEWAY_NODE_FLAGS } from "../gateway/src/node-flags.ts";

const ROOT = join(import.meta.dirname, "..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
const ENTRY = ["--import", "./packages/telemetry/src/register.ts", "gateway/src/index.ts"];
const expected = ["node", ...GATEWAY_NODE_FLAGS, ...ENTRY];

describe("the gateway's Node flags", () => {
  it("are V8 heap flags with a value", () => {
    expect(GATEWAY_NODE_FLAGS.length).toBeGreaterThan(0);
    for (const flag of GATEWAY_NODE_FLAGS) expect(flag).toMatch(/^--max-(semi|old)-space-size=\d+$/);
  });

  it("are in the Dockerfile's CMD (the image's default process is the gateway)", () => {
    const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(read("Dockerfile"))?.[1];
    expect(cmd).toBeDefined();
    expect(JSON.parse(cmd!)).toEqual(expected);
  });

  it("are in docker-compose.yml's gateway command", () => {
    const compose = parse(read("docker-compose.yml"), { merge: true }) as {
      services: Record<string, { command?: string[] }>;
    };
    expect(compose.services.gateway?.command).toEqual(expected);
  });

  it("are in the Kubernetes Deployment's gateway container", () => {
    const objects = parseAllDocuments(read("deploy/kubernetes/base/gateway.yaml")).map(
      (d) =>
        d.toJS() as {
          kind?: string;
          spec?: { template?: { spec?: { containers?: { name: string; command?: string[] }[] } } };
        },
    );
    const deployment = objects.find((o) => o.kind === "Deployment");
    const container = deployment?.spec?.template?.spec?.containers?.find((c) => c.name === "gateway");
    expect(container?.command).toEqual(expected);
  });

  it("are in `pnpm start:gateway`", () => {
    const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
    expect(scripts["start:gateway"]?.split(/\s+/)).toEqual(expected);
  });
});
