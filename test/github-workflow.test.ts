// The GitHub Actions workflow cannot run here; these checks validate it offline against GitHub's own
// workflow schema (@actions/workflow-parser, the parser behind the Actions language service) and keep
// it doing what .ci/run does.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from "@actions/workflow-parser";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
const WORKFLOW = ".github/workflows/ci.yml";

/** Schema errors of a workflow's text, and the converted template's own errors (jobs, needs, expressions). */
async function validate(content: string): Promise<string[]> {
  const result = parseWorkflow({ name: WORKFLOW, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (errors.length > 0 || !result.value) return errors.length > 0 ? errors : ["no workflow"];
  const template = await convertWorkflowTemplate(result.context, result.value);
  return [...result.context.errors.getErrors().map((e) => e.message), ...(template.errors ?? []).map((e) => e.Message)];
}

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  if?: string;
}
interface Job {
  services?: Record<string, { image: string; ports?: string[] }>;
  steps: Step[];
  env?: Record<string, string>;
}
const workflow = parse(read(WORKFLOW)) as { jobs: Record<string, Job> };
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const runs = steps.map((s) => s.run ?? "").join("\n");

describe(".github/workflows/ci.yml", () => {
  it("is a valid workflow for GitHub's schema", async () => {
    expect(await validate(read(WORKFLOW))).toEqual([]);
  });

  it("is checked for real: a misspelt key and a job without runs-on are refused", async () => {
    const broken = read(WORKFLOW).replace("runs-on: ubuntu-24.04", "runs-onn: ubuntu-24.04");
    expect((await validate(broken)).join("\n")).toMatch(/runs-onn/);
    expect(await validate("on: push\njobs:\n  a:\n    steps:\n      - run: true\n")).not.toEqual([]);
  });

  it("runs the tests against PostgreSQL and Redis service containers, with the URLs the suite reads", () => {
    const test = workflow.jobs.test!;
    expect(test.services?.postgres?.image).toMatch(/^postgres:15/);
    expect(test.services?.redis?.image).toMatch(/^redis:7/);
    expect(test.env).toMatchObject({
      TEST_DATABASE_URL: expect.stringContaining("127.0.0.1:5432"),
      TEST_REDIS_URL: "redis://127.0.0.1:6379",
    });
  });

  it("sets up Node 24 and the pnpm of package.json with pnpm's store cached, and installs from the lockfile", () => {
    const pnpm = (JSON.parse(read("package.json")) as { packageManager: string }).packageManager.split("@")[1];
    for (const [name, job] of Object.entries(workflow.jobs).filter(([name]) => name !== "image")) {
      expect(job.steps.find((s) => s.uses?.startsWith("pnpm/action-setup@"))?.with, name).toEqual({ version: pnpm });
      expect(job.steps.find((s) => s.uses?.startsWith("actions/setup-node@"))?.with, name).toEqual({
        "node-version": 24,
        cache: "pnpm",
      });
      expect(
        job.steps.some((s) => s.run === "pnpm install --frozen-lockfile"),
        name,
      ).toBe(true);
    }
  });

  it("lints (with no condition), typechecks, runs the whole suite with the JSON report .ci/summary.mjs reads", () => {
    const lint = steps.find((s) => s.run === "pnpm lint");
    expect(lint).toBeDefined();
    expect(lint?.if).toBeUndefined();
    expect(runs).toContain("pnpm typecheck");
    expect(runs).toMatch(/pnpm test --reporter=default --reporter=json --outputFile\.json=\.ci\/vitest\.json/);
    expect(runs).toContain("node .ci/summary.mjs .ci/vitest.json");
  });

  it("runs every static check of .ci/run (its CHECKS list) before the tests", () => {
    const checks = [...(/CHECKS=\(([^)]*)\)/.exec(read(".ci/run"))?.[1]?.matchAll(/"([^"]+)"/g) ?? [])].map(
      (m) => m[1]!,
    );
    expect(checks).toContain("pnpm lint:arch");
    expect(checks).toContain("pnpm format:check");
    expect(checks).toContain("pnpm typecheck");
    const test = workflow.jobs.test!.steps.map((s) => s.run ?? "");
    const tests = test.findIndex((run) => run.startsWith("pnpm test"));
    for (const check of checks) {
      expect(test.indexOf(check), check).toBeGreaterThan(-1);
      expect(test.indexOf(check), check).toBeLessThan(tests);
    }
  });

  it("installs the same Debian packages as .ci/run", () => {
    const list = /APT_PACKAGES=\(([^)]*)\)/.exec(read(".ci/run"))?.[1]?.trim().split(/\s+/) ?? [];
    expect(list.length).toBeGreaterThan(0);
    for (const pkg of list) expect(runs, pkg).toMatch(new RegExp(`\\b${pkg}\\b`));
  });

  it("runs the Kubernetes checks and builds the image without pushing it", () => {
    expect(workflow.jobs.kubernetes?.steps.some((s) => s.run?.includes("deploy/test"))).toBe(true);
    const build = workflow.jobs.image?.steps.find((s) => s.uses?.startsWith("docker/build-push-action@"));
    expect(build?.with).toMatchObject({ context: ".", push: false });
  });
});
