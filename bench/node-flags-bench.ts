/**
 * Node flags of the Shopgraph gateway side by side (issue 16 §1, RSS against CPU): one gateway
 * process per variant, all on the same replayed subgraph answers, measured in interleaved rounds
 * (the order rotates each round), so a machine that gets busier or quieter moves every variant alike.
 *
 *   pnpm bench:node-flags --variant defaults= --variant "deployed=--max-semi-space-size=32 --max-old-space-size=1024"
 *   [--scenario heavy|fanout-100] [--rounds 5] [--seconds 4] [--connections 16] [--env NAME:KEY=VALUE …]
 *
 * Prints each round and, per variant, the median gateway CPU ms per request (its ratio to the first
 * variant's), the median p50 and p99 latency and their ratio (the tail: GC pauses and other stalls
 * show as a p99 far above p50) and the peak RSS (VmHWM) over the run. A variant's flags replace the deployed ones
 * (gateway/src/node-flags.ts); an empty value means V8's defaults. `--env NAME:KEY=VALUE` adds an
 * environment variable to variant NAME only (e.g. NODE_COMPILE_CACHE, MALLOC_ARENA_MAX).
 */
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startBenchStack } from "./lib/bench-stack.ts";
import { startGateway, writeSupergraph, type RunningGateway } from "./lib/gateways.ts";
import { measure, type Measurement } from "./lib/measure.ts";
import { median } from "./lib/summary.ts";
import { startReplayServer } from "./lib/replay.ts";
import { APQ_REGISTRATION, createScenarios, probe, probeOnNewConnection } from "./lib/scenarios.ts";
import { placeOrders, registerUsers, seededAdmin, seededCustomers } from "./lib/seed-data.ts";
import { createTokenPool } from "./lib/tokens.ts";

const { values } = parseArgs({
  options: {
    variant: { type: "string", multiple: true },
    env: { type: "string", multiple: true },
    scenario: { type: "string", default: "heavy" },
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "4" },
    connections: { type: "string", default: "16" },
  },
});
const variants = (values.variant ?? []).map((text) => {
  const at = text.indexOf("=");
  if (at < 1) throw new Error(`--variant wants NAME=FLAGS, got "${text}"`);
  return {
    name: text.slice(0, at),
    flags: text
      .slice(at + 1)
      .split(/\s+/)
      .filter(Boolean),
  };
});
const envOf = new Map<string, Record<string, string>>();
for (const text of values.env ?? []) {
  const match = /^([^:]+):([^=]+)=(.*)$/.exec(text);
  if (!match) throw new Error(`--env wants NAME:KEY=VALUE, got "${text}"`);
  const [, name, key, value] = match as unknown as [string, string, string, string];
  if (!variants.some((v) => v.name === name)) throw new Error(`--env names no variant: "${name}"`);
  envOf.set(name, { ...envOf.get(name), [key]: value });
}
if (variants.length < 2) throw new Error("give at least two --variant NAME=FLAGS (FLAGS may be empty)");
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

const { stack, log, signer, workDir, logDir, nextPort } = await startBenchStack({
  tag: "node-flags",
  productsCache: "off",
});
const gateways: { name: string; gateway: RunningGateway }[] = [];
try {
  log("seeding: 110 customers, 100 orders");
  const customers = [...seededCustomers, ...(await registerUsers(stack.urls.users, 110))];
  await placeOrders(stack.urls.orders, signer, customers, 100);
  const tokens = {
    admin: await createTokenPool(signer, 12_000, [seededAdmin]),
    customers: await createTokenPool(signer, 200, customers),
  };
  const scenario = createScenarios(tokens, 10).find((s) => s.id === values.scenario);
  if (!scenario) throw new Error(`no scenario ${values.scenario}`);
  const persistedDocumentsPath = join(workDir, "persisted-documents.json");
  writeFileSync(persistedDocumentsPath, JSON.stringify(APQ_REGISTRATION.documents));
  const replay = await startReplayServer(stack.urls, logDir);
  const supergraphPath = writeSupergraph(replay.urls, workDir, "supergraph-replay.graphql");
  for (const { name, flags } of variants) {
    const gateway = await startGateway({
      kind: "shopgraph",
      workers: 1,
      port: await nextPort(),
      supergraphPath,
      subgraphUrls: replay.urls,
      redis: { url: stack.redis.url!, prefix: stack.redis.prefix },
      dedup: false,
      persistedDocumentsPath,
      logDir,
      nodeFlags: flags,
      env: envOf.get(name),
      tag: name,
    });
    gateways.push({ name, gateway });
  }
  await replay.setMode("record");
  for (const { gateway } of gateways) await probe(gateway.url, scenario.next());
  await replay.setMode("replay");
  for (const { name, gateway } of gateways) {
    for (let i = 0; i < 4; i++) await probeOnNewConnection(gateway.url, { headers: {}, body: APQ_REGISTRATION.body });
    const verdict = scenario.check(await probe(gateway.url, scenario.next()), "shopgraph");
    if (!verdict.ok) throw new Error(`${name}: ${verdict.note}`);
  }
  const results = new Map<string, Measurement[]>();
  for (let round = 0; round <= rounds; round++) {
    const order = [...gateways.slice(round % gateways.length), ...gateways.slice(0, round % gateways.length)];
    for (const { name, gateway } of order) {
      const load = loadavg()[0]!.toFixed(2);
      const m = await measure(
        scenario,
        { target: "shopgraph", url: gateway.url, sample: gateway.sample },
        {
          mode: "replay",
          workers: 1,
          round,
          // Round 0 warms every variant up and is not counted.
          seconds: round === 0 ? 1 : seconds,
          connections,
          stack,
          backgroundSqlPerSecond: { users: 0, products: 0, orders: 0, notifications: 0 },
        },
      );
      if (round > 0) results.set(name, [...(results.get(name) ?? []), m]);
      log(
        `round ${round} ${name}: load ${load}, ${m.load.rps.toFixed(0)} RPS, ${m.cpuMsPerRequest.toFixed(2)} CPU ms/req, p50 ${m.load.p50.toFixed(2)} / p99 ${m.load.p99.toFixed(1)} ms, RSS ${m.rssMaxProcessMb.toFixed(0)} MB (peak ${m.peakRssMb.toFixed(0)})`,
      );
    }
  }
  const baseline = median((results.get(variants[0]!.name) ?? []).map((m) => m.cpuMsPerRequest));
  for (const { name, flags } of variants) {
    const env = Object.entries(envOf.get(name) ?? {}).map(([k, v]) => ` ${k}=${v}`);
    const ms = results.get(name) ?? [];
    const cpu = median(ms.map((m) => m.cpuMsPerRequest));
    const peak = Math.max(...ms.map((m) => m.peakRssMb));
    const requests = ms.reduce((sum, m) => sum + m.load.sent, 0);
    const p50 = median(ms.map((m) => m.load.p50));
    const p99 = median(ms.map((m) => m.load.p99));
    process.stdout.write(
      `${name} [${flags.join(" ") || "V8 defaults"}${env.join("")}]: CPU ${cpu.toFixed(2)} ms/req (${(cpu / baseline).toFixed(2)}×), p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(1)} ms (p99/p50 ${(p99 / p50).toFixed(1)}), peak RSS ${peak.toFixed(0)} MB, ${requests} requests\n`,
    );
  }
  await replay.stop();
} finally {
  await Promise.all(gateways.map(({ gateway }) => gateway.stop()));
  await stack.close();
}
