// Validates the gateway's environment and exits: 0 when it loads, 1 with the problems on stderr.
// `pnpm start` runs it before starting anything, in its own process (see scripts/start.ts).
import { loadGatewayConfig } from "../gateway/src/config.ts";

try {
  loadGatewayConfig(process.env);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
