// Validates the gateway's environment and exits: 0 when it loads, 1 with the problems on stderr.
// `pnpm start` runs it before starting anything, in its own process (see scripts/start.ts).
// Besides bad values (the config's own validation), it refuses likely misspellings of gateway
// variable names, which the config would silently ignore (scripts/lib/env-typos.ts).
import { readFileSync } from "node:fs";
import { loadGatewayConfig } from "../gateway/src/config.ts";
import { documentedVariables, findVariableTypos } from "./lib/env-typos.ts";

const problems: string[] = [];
try {
  loadGatewayConfig(process.env);
} catch (error) {
  problems.push(error instanceof Error ? error.message : String(error));
}
// The defaults' keys are the gateway's variables; .env.example names every process's variables.
const gatewayVariables = Object.keys(loadGatewayConfig({ NODE_ENV: "development" }));
const known = documentedVariables(readFileSync(new URL("../.env.example", import.meta.url), "utf8"));
const typos = findVariableTypos(process.env, gatewayVariables, known);
if (typos.length > 0) problems.push(`gateway: unknown variables\n  - ${typos.join("\n  - ")}`);
if (problems.length > 0) {
  process.stderr.write(`${problems.join("\n")}\n`);
  process.exitCode = 1;
}
