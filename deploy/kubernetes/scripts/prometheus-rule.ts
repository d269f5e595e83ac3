// Writes monitoring/prometheus-rule.yaml, the Prometheus Operator's copy of deploy/prometheus/alerts.yml
// (the rules the compose Prometheus loads), so both run the same alerts. A PrometheusRule's
// spec.groups is exactly a rules file's groups; kustomize cannot wrap a file into a resource, so
// this generates it and deploy/test/kubernetes.int.test.ts fails when it is stale.
//
//   node deploy/kubernetes/scripts/prometheus-rule.ts           # write
//   node deploy/kubernetes/scripts/prometheus-rule.ts --check   # exit 1 when stale
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";

/** The rules file (source) and the generated PrometheusRule. */
export const RULES_FILE = fileURLToPath(new URL("../../prometheus/alerts.yml", import.meta.url));
export const PROMETHEUS_RULE_FILE = fileURLToPath(new URL("../monitoring/prometheus-rule.yaml", import.meta.url));

const HEADER =
  "# Generated from deploy/prometheus/alerts.yml by deploy/kubernetes/scripts/prometheus-rule.ts: edit that file, then run the script.\n";

/** The PrometheusRule manifest for the current rules file. */
export function renderPrometheusRule(rulesYaml: string = readFileSync(RULES_FILE, "utf8")): string {
  const { groups } = parse(rulesYaml) as { groups: unknown[] };
  const rule = {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: { name: "shopgraph", labels: { "app.kubernetes.io/part-of": "shopgraph" } },
    spec: { groups },
  };
  return HEADER + stringify(rule, { lineWidth: 0 });
}

if (import.meta.filename === process.argv[1]) {
  const rendered = renderPrometheusRule();
  if (process.argv.includes("--check")) {
    const current = readFileSync(PROMETHEUS_RULE_FILE, "utf8");
    if (current !== rendered) {
      process.stderr.write(
        "monitoring/prometheus-rule.yaml is stale: run node deploy/kubernetes/scripts/prometheus-rule.ts\n",
      );
      process.exit(1);
    }
  } else {
    writeFileSync(PROMETHEUS_RULE_FILE, rendered);
  }
}
