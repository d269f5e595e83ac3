/**
 * CPU profile of one gateway executor under the bench's heavy query or fan-out (issue 16 §1), with
 * the mock subgraphs answering from memory in a process of their own, so the gateway is alone on
 * the profile:
 *
 *   node gateway/test/engine/profile-engine.ts shopgraph heavy 8   # engine, heavy query, 8 s
 *   node gateway/test/engine/profile-engine.ts apollo fanout 8
 *
 * Writes /tmp/engine-<engine>-<query>.cpuprofile (open in Chrome DevTools, or
 * `node bench/profile-summary.ts <file>`) and prints requests/s and CPU ms per request.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Session } from "node:inspector/promises";
import { scopesForRole } from "@shopgraph/auth";
import { testLogger } from "@shopgraph/testing";
import { HEAVY_QUERY } from "../../../bench/lib/scenarios.ts";
import { startGateway } from "../../src/app.ts";
import { loadGatewayConfig } from "../../src/config.ts";
import { startMockSubgraphs } from "./mock-subgraphs.ts";

const [engine = "shopgraph", which = "heavy", secondsText = "8"] = process.argv.slice(2);
const FANOUT = "query FanOut($n: Int!) { orders(first: $n) { edges { node { number customer { id name } } } } }";
const body = JSON.stringify(which === "heavy" ? { query: HEAVY_QUERY } : { query: FANOUT, variables: { n: 100 } });

if (engine === "mocks") {
  // Child mode: the memoized mock subgraphs in a process of their own (kept off the profile).
  const mocks = await startMockSubgraphs({ memo: true });
  console.log(JSON.stringify(Object.fromEntries(Object.entries(mocks.subgraphs).map(([name, s]) => [name, s.url]))));
  process.on("SIGTERM", () => void mocks.close().then(() => process.exit(0)));
  await new Promise(() => {});
}
const mockProcess = spawn(process.execPath, [fileURLToPath(import.meta.url), "mocks"], {
  stdio: ["ignore", "pipe", "inherit"],
});
const urls = await new Promise<Record<string, string>>((resolve) =>
  mockProcess.stdout.once("data", (c: Buffer) => resolve(JSON.parse(c.toString()) as Record<string, string>)),
);
const gateway = await startGateway(
  loadGatewayConfig({
    NODE_ENV: "production",
    GATEWAY_TOKEN: "profile-gateway-token-0123456789abcdef0123",
    PORT: "0",
    METRICS_PORT: "0",
    GATEWAY_ENGINE: engine,
    USERS_URL: urls.users!,
    PRODUCTS_URL: urls.products!,
    ORDERS_URL: urls.orders!,
    NOTIFICATIONS_URL: urls.notifications!,
    JWKS_URL: "http://127.0.0.1:9/jwks.json",
    RATE_LIMIT_ENABLED: "false",
    SUBGRAPH_DEDUP: "false",
    MAX_COST: "100000000",
  }),
  {
    logger: testLogger("gateway"),
    verifyAccessToken: async (token) => ({
      id: "admin-1",
      role: "ADMIN",
      scopes: scopesForRole("ADMIN"),
      tokenId: token,
    }),
    revocations: { isRevoked: () => false },
  },
);
const url = `${gateway.url}/graphql`;
const load = (seconds: number) =>
  new Promise<number>((resolve, reject) => {
    // The load generator runs in its own process: only the gateway (and the memoized mocks) is profiled.
    const script = `let n=0;const end=Date.now()+${seconds * 1000};const one=async()=>{while(Date.now()<end){const r=await fetch(${JSON.stringify(url)},{method:"POST",headers:{"content-type":"application/json",authorization:"Bearer p0.profile.sig","apollo-require-preflight":"1"},body:${JSON.stringify(body)}});await r.text();n++}};await Promise.all(Array.from({length:16},one));console.log(n)`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.on("exit", (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`load exited ${code}`))));
  });
await load(2);
const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.start");
const cpuBefore = process.cpuUsage();
const requests = await load(Number(secondsText));
const cpu = process.cpuUsage(cpuBefore);
const { profile } = await session.post("Profiler.stop");
const file = `/tmp/engine-${engine}-${which}.cpuprofile`;
writeFileSync(file, JSON.stringify(profile));
console.log(
  JSON.stringify({
    engine,
    which,
    requests,
    rps: requests / Number(secondsText),
    cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / requests,
    file,
  }),
);
await gateway.close();
mockProcess.kill("SIGTERM");
process.exit(0);
