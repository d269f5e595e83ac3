import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./manifests.ts";

// The alerting rules are checked and unit-tested by Prometheus's own promtool (Debian's `prometheus`).
const PROMETHEUS_DIR = join(ROOT, "deploy/prometheus");
const hasPromtool = (() => {
  try {
    execFileSync("promtool", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
if (!hasPromtool && process.env.CI)
  throw new Error("promtool is required in CI (.ci/run installs Debian's prometheus)");

/** Runs promtool; resolves with its exit code and output. */
function promtool(args: string[], cwd = PROMETHEUS_DIR): { code: number; output: string } {
  try {
    const output = execFileSync("promtool", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { code: 0, output };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { code: e.status, output: `${e.stdout}${e.stderr}` };
  }
}

const scratch = mkdtempSync(join(tmpdir(), "sgt-promtool-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(!hasPromtool)("alerting rules (promtool)", () => {
  it("alerts.yml passes `promtool check rules` and prometheus.yml loads it", () => {
    const rules = promtool(["check", "rules", "alerts.yml"]);
    expect(rules.output).toContain("SUCCESS");
    expect(rules.code).toBe(0);
    const config = promtool(["check", "config", "prometheus.yml"]);
    expect(config.output).toMatch(/SUCCESS: 1 rule files found/);
    expect(config.code).toBe(0);
  });

  it("every alert fires in `promtool test rules` (alerts.test.yml)", () => {
    const result = promtool(["test", "rules", "alerts.test.yml"]);
    expect(result.output).toContain("SUCCESS");
    expect(result.code).toBe(0);
    const rules = readFileSync(join(PROMETHEUS_DIR, "alerts.yml"), "utf8");
    const tests = readFileSync(join(PROMETHEUS_DIR, "alerts.test.yml"), "utf8");
    const alerts = [...rules.matchAll(/^\s+- alert: (\w+)$/gm)].map((m) => m[1]!);
    // The list: SLO burn (errors, latency, p99 per operation), breaker, lag, dead letters, outbox, restarts.
    expect(alerts.sort()).toEqual([
      "ShopgraphCircuitBreakerOpen",
      "ShopgraphConsumerLagHigh",
      "ShopgraphDeadLettersGrowing",
      "ShopgraphErrorBudgetBurnFast",
      "ShopgraphErrorBudgetBurnSlow",
      "ShopgraphLatencyBudgetBurn",
      "ShopgraphOperationP99High",
      "ShopgraphOutboxStale",
      "ShopgraphPodRestarting",
      "ShopgraphProcessRestarting",
    ]);
    // Each alert has a test case that expects it to fire.
    for (const alert of alerts)
      expect(tests, alert).toMatch(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`));
  });

  it("a rule that no longer fires fails the unit tests (the tests can fail)", () => {
    copyFileSync(join(PROMETHEUS_DIR, "alerts.test.yml"), join(scratch, "alerts.test.yml"));
    // Outbox age threshold raised from 2 min to 1 h: the stale-outbox test must now fail.
    writeFileSync(
      join(scratch, "alerts.yml"),
      readFileSync(join(PROMETHEUS_DIR, "alerts.yml"), "utf8").replace(
        "events_outbox_oldest_pending_age_seconds) > 120",
        "events_outbox_oldest_pending_age_seconds) > 3600",
      ),
    );
    const result = promtool(["test", "rules", "alerts.test.yml"], scratch);
    expect(result.code).toBe(1);
    expect(result.output).toContain("ShopgraphOutboxStale");
  });
});
