/**
 * CPU profile of one gateway executor under the bench's heavy query or fan-out (issue 16 §1), with
 * the mock subgraphs answering from memory in a process of their own, so the gateway is alone on
 * the profile:
 *
 *   node gateway/test/engine/profile-engine.ts shopgraph heavy 8   # engine, heavy query, 8 s
 *   node gateway/test/engine/profile-engine.ts apollo fanout 8
 *   node gateway/test/engine/profile-engine.ts shopgraph small 8   # single-subgraph query: the fixed cost
 *
 * Writes /tmp/engine-<engine>-<query>.cpuprofile (open in Chrome DevTools, or
 * `node bench/profile-summary.ts <file>`) and prints requests/s and CPU ms per request.
 *
 * Options (after the positional ones):
 *   --bench-like   as the bench runs the gateway: a unique EdDSA token per request, verified for real
 *                  (local JWKS), and the production logger at info (access log) into /tmp/profile-gateway-<pid>.log
 *   --no-profile   CPU per request without the inspector's own cost (no .cpuprofile written)
 *   --promoted     instead of a CPU profile, a sampling heap profile of the objects that outlived a
 *                  young-generation GC (promoted to the old generation, whether a major GC collected
 *                  them later or not): /tmp/engine-<engine>-<query>-promoted.heapprofile. Objects that
 *                  die young cost a scavenge little; promoted ones are what the major GCs (the long
 *                  pauses at p99) have to mark and compact.
 *   --allocated    the same for every allocation (what fills the young generation: scavenges per
 *                  request): /tmp/engine-<engine>-<query>-allocated.heapprofile. Both print MB per request.
 */
import { spawn } from "node:child_process";
import { openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Session } from "node:inspector/promises";
import { createAccessTokenVerifier, scopesForRole } from "@shopgraph/auth";
import { createLogger } from "@shopgraph/logger";
import { createTestIssuer, procStat, testLogger } from "@shopgraph/testing";
import { HEAVY_QUERY, SMALL_QUERY } from "../../../bench/lib/scenarios.ts";
import { startGateway } from "../../src/app.ts";
import { loadGatewayConfig } from "../../src/config.ts";
import { startMockSubgraphs } from "./mock-subgraphs.ts";

const flags = new Set(process.argv.slice(2).filter((arg) => arg.startsWith("--")));
const [engine = "shopgraph", which = "heavy", secondsText = "8"] = process.argv
  .slice(2)
  .filter((arg) => !arg.startsWith("--"));
const benchLike = flags.has("--bench-like");
const heapSampling = flags.has("--promoted") ? "promoted" : flags.has("--allocated") ? "allocated" : undefined;
const profiling = !flags.has("--no-profile") && !heapSampling;
const FANOUT = "query FanOut($n: Int!) { orders(first: $n) { edges { node { number customer { id name } } } } }";
const BODIES: Record<string, unknown> = {
  heavy: { query: HEAVY_QUERY },
  fanout: { query: FANOUT, variables: { n: 100 } },
  // The single-subgraph query: what is left is the gateway's fixed cost per request.
  small: { query: SMALL_QUERY, variables: { id: "p1" } },
};
const body = JSON.stringify(BODIES[which] ?? BODIES.heavy);

if (engine === "mocks") {
  // Child mode: the memoized mock subgraphs in a process of their own (kept off the profile).
  const mocks = await startMockSubgraphs({ memo: true, sized: true });
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
const ISSUER = "https://shopgraph.dev/users";
const AUDIENCE = "shopgraph";
const issuer = await createTestIssuer({ issuer: ISSUER, audience: AUDIENCE });
// Enough distinct tokens for the whole run (the warm-up included) at well over the rates seen so far.
const tokenFile = `/tmp/profile-engine-tokens-${process.pid}.json`;
if (benchLike) {
  const tokens: string[] = [];
  for (let i = 0; i < (Number(secondsText) + 2) * 3000; i++) tokens.push(await issuer.sign({ role: "ADMIN" }));
  writeFileSync(tokenFile, JSON.stringify(tokens));
}
const logFd = benchLike ? openSync(`/tmp/profile-gateway-${process.pid}.log`, "w") : -1;
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
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    RATE_LIMIT_ENABLED: "false",
    SUBGRAPH_DEDUP: "false",
    MAX_COST: "100000000",
  }),
  benchLike
    ? {
        // Synchronous writes to a file, as pino writes the bench's stdout (a file descriptor).
        logger: createLogger({
          service: "gateway",
          level: "info",
          redactEmails: true,
          destination: { write: (line: string) => void writeSync(logFd, line) },
        }),
        verifyAccessToken: createAccessTokenVerifier({ jwks: issuer.jwks, issuer: ISSUER, audience: AUDIENCE }),
        revocations: { isRevoked: () => false },
      }
    : {
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
    const tokens = benchLike
      ? `const tokens=JSON.parse(require("node:fs").readFileSync(${JSON.stringify(tokenFile)},"utf8"));let t=${seconds === 2 ? 0 : 6000};const token=()=>tokens[t++%tokens.length];`
      : `const token=()=>"p0.profile.sig";`;
    const script = `import{createRequire}from"node:module";const require=createRequire(import.meta.url);${tokens}let n=0,bytes=0,last="";const end=Date.now()+${seconds * 1000};const one=async()=>{while(Date.now()<end){const r=await fetch(${JSON.stringify(url)},{method:"POST",headers:{"content-type":"application/json",authorization:"Bearer "+token(),"apollo-require-preflight":"1"},body:${JSON.stringify(body)}});const text=await r.text();bytes=text.length;last=text;if(r.status!==200)throw new Error("status "+r.status);n++}};await Promise.all(Array.from({length:16},one));console.error("response bytes",bytes,last.slice(0,300));console.log(n)`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.on("exit", (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`load exited ${code}`))));
  });
await load(2);
// What the gateway spends with no request in flight (metrics, timers), to subtract from the loaded figure.
const idleBefore = process.cpuUsage();
const idleStart = performance.now();
await new Promise((resolve) => setTimeout(resolve, 2_000));
const idle = process.cpuUsage(idleBefore);
const idleCpuMsPerSecond = (idle.user + idle.system) / (performance.now() - idleStart);
const session = new Session();
if (profiling) {
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
}
// The main thread's own CPU (Linux: /proc/self/task/<pid>/stat, in clock ticks of 10 ms).
const mainThreadMs = () => procStat(`self/task/${process.pid}`)?.cpuMs ?? 0;
if (heapSampling) {
  session.connect();
  await session.post("HeapProfiler.enable");
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 16 * 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: heapSampling === "allocated",
  });
}
const mainBefore = mainThreadMs();
const cpuBefore = process.cpuUsage();
const loadStart = performance.now();
const requests = await load(Number(secondsText));
const cpu = process.cpuUsage(cpuBefore);
const mainMs = mainThreadMs() - mainBefore;
const loadMs = performance.now() - loadStart;
const name = `/tmp/engine-${engine}-${which}${benchLike ? "-bench-like" : ""}`;
const file = profiling ? `${name}.cpuprofile` : heapSampling ? `${name}-${heapSampling}.heapprofile` : undefined;
let sampledMbPerRequest: number | undefined;
if (file && profiling) {
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(file, JSON.stringify(profile));
}
if (file && heapSampling) {
  const { profile } = await session.post("HeapProfiler.stopSampling");
  writeFileSync(file, JSON.stringify(profile));
  // Each node's selfSize is V8's estimate of all the bytes its samples stand for.
  type Node = { selfSize: number; children: Node[] };
  const total = (node: Node): number => node.children.reduce((sum, child) => sum + total(child), node.selfSize);
  sampledMbPerRequest = total(profile.head) / 2 ** 20 / requests;
}
console.log(
  JSON.stringify({
    engine,
    which,
    benchLike,
    requests,
    rps: requests / Number(secondsText),
    cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / requests,
    // The main thread's CPU per request (robust to a busy machine, unlike the event loop's wall-clock busy time).
    mainThreadCpuMsPerRequest: mainMs / requests,
    idleCpuMsPerSecond,
    // CPU per request without the idle rate over the load's duration (less dependent on throughput).
    netCpuMsPerRequest: ((cpu.user + cpu.system) / 1000 - (idleCpuMsPerSecond * loadMs) / 1000) / requests,
    ...(sampledMbPerRequest === undefined ? {} : { [`${heapSampling}MbPerRequest`]: sampledMbPerRequest }),
    file,
  }),
);
await gateway.close();
mockProcess.kill("SIGTERM");
if (benchLike) rmSync(tokenFile, { force: true });
process.exit(0);
