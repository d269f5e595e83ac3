import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { profileMarkdown, summarizeProfile } from "../profile-summary.ts";
import type { RunningGateway } from "./gateways.ts";
import { measure, type Measurement, type MeasureOptions } from "./measure.ts";
import type { Scenario } from "./scenarios.ts";
import { SUBGRAPHS, type SubgraphStack } from "./stack.ts";

/** Options for {@link profileScenario}. */
export interface ProfileStepOptions {
  stack: SubgraphStack;
  /** Starts a Shopgraph gateway with the given extra Node flags. */
  startGateway: (execArgv: string[]) => Promise<RunningGateway>;
  stopGateway: (gateway: RunningGateway) => Promise<void>;
  scenario: Scenario;
  seconds: number;
  measureOptions: Omit<MeasureOptions, "seconds" | "round">;
  workDir: string;
  /** Output path without extension; profiles are kept as <out>-<process>.cpuprofile. */
  out: string;
  /** Profile the subgraphs too (otherwise only the gateway). */
  subgraphs: boolean;
}

/**
 * Profiles one scenario: the Shopgraph gateway under `node --cpu-prof` (its whole life: start-up,
 * a 2 s warm-up, then the measured window) and, if asked, every subgraph over the measured window
 * only, through the probe's inspector session. Returns the markdown summary and the measurement.
 */
export async function profileScenario(
  options: ProfileStepOptions,
): Promise<{ markdown: string; measurement: Measurement }> {
  const gatewayDir = join(options.workDir, `profile-${options.scenario.id}-gateway`);
  const subgraphDir = join(options.workDir, `profile-${options.scenario.id}-subgraphs`);
  mkdirSync(subgraphDir, { recursive: true });
  const gateway = await options.startGateway(["--cpu-prof", "--cpu-prof-dir", gatewayDir]);
  const target = { target: "shopgraph" as const, url: gateway.url, sample: gateway.sample };
  await measure(options.scenario, target, { ...options.measureOptions, round: 0, seconds: 2 });
  if (options.subgraphs) await options.stack.startProfiles();
  const measurement = await measure(options.scenario, target, {
    ...options.measureOptions,
    round: 0,
    seconds: options.seconds,
  });
  if (options.subgraphs) await options.stack.stopProfiles(subgraphDir);
  await options.stopGateway(gateway);

  mkdirSync(dirname(options.out), { recursive: true });
  const sections: string[] = [];
  const gatewayFile = readdirSync(gatewayDir).find((name) => name.endsWith(".cpuprofile"));
  if (gatewayFile) {
    const kept = `${options.out}-gateway.cpuprofile`;
    copyFileSync(join(gatewayDir, gatewayFile), kept);
    sections.push(
      "### Shopgraph gateway (`node --cpu-prof`; includes start-up and a 2 s warm-up)",
      "",
      profileMarkdown(summarizeProfile(kept, 20)),
    );
  }
  for (const name of options.subgraphs ? SUBGRAPHS : []) {
    const kept = `${options.out}-${name}.cpuprofile`;
    copyFileSync(join(subgraphDir, `${name}.cpuprofile`), kept);
    sections.push("", `### ${name} subgraph (measured window only)`, "", profileMarkdown(summarizeProfile(kept, 8)));
  }
  const m = measurement;
  const header =
    `${options.scenario.title}, ${options.seconds} s through one Shopgraph gateway worker: ${m.load.requests} requests, ${m.load.rps.toFixed(1)} RPS, p99 ${m.load.p99.toFixed(0)} ms. ` +
    `CPU per request: gateway ${m.cpuMsPerRequest.toFixed(1)} ms, four subgraphs together ${m.subgraphCpuMsPerRequest.toFixed(1)} ms (the profilers add some overhead to both). ` +
    `Profiles are kept as \`${relative(process.cwd(), options.out)}-<process>.cpuprofile\` (gitignored; open in Chrome DevTools, or summarize with \`node bench/profile-summary.ts <file>\`).`;
  return { markdown: [header, "", ...sections].join("\n"), measurement };
}
