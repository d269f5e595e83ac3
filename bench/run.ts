/**
 * The gateway benchmark (issue 8): Shopgraph's gateway, a plain @apollo/gateway and Hive Gateway
 * side by side on the same supergraph, subgraphs and machine, in interleaved rounds of one run.
 *
 *   pnpm bench [--quick] [--workers 1,2] [--soak-seconds 60] [--help for everything]
 *
 * Writes <out>.md (commit it) and <out>.raw.json (gitignored). Needs the real PostgreSQL and
 * Redis the integration tests use (TEST_DATABASE_URL, TEST_REDIS_URL).
 */
import { rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startGateway, writeSupergraph, type GatewayKind, type RunningGateway } from "./lib/gateways.ts";
import { startReplayServer, type ReplayServer, type ReplayStats } from "./lib/replay.ts";
import { measure, settle, type Measurement, type MeasureOptions } from "./lib/measure.ts";
import { parseBenchOptions } from "./lib/options.ts";
import { sampleTree } from "./lib/procfs.ts";
import { renderReport, type CheckRecord } from "./lib/report.ts";
import { writeBenchResults } from "./lib/results.ts";
import { profileScenario } from "./lib/profile-step.ts";
import {
  APQ_REGISTRATION,
  createScenarios,
  probe,
  probeOnNewConnection,
  USER_ORDERS_FANOUT_QUERY,
  type Scenario,
} from "./lib/scenarios.ts";
import { placeOrders, registerUsers, seededAdmin, seededCustomers } from "./lib/seed-data.ts";
import { soak, type SoakResult } from "./lib/soak.ts";
import { productsCacheEnv, SUBGRAPHS, type SubgraphName } from "./lib/stack.ts";
import { startBenchStack } from "./lib/bench-stack.ts";
import { evaluateTargets, methodNotes } from "./lib/targets.ts";
import { summarize } from "./lib/summary.ts";
import { createTokenPool } from "./lib/tokens.ts";
import { probeWork, workMarkdown, type WorkRecord } from "./lib/work-probe.ts";

const options = parseBenchOptions(process.argv.slice(2));
const bench = await startBenchStack({ tag: "bench", productsCache: "off", portBase: options.portBase });
const { stack, log, signer, workDir, logDir, nextPort } = bench;

const running = new Set<RunningGateway>();
let failed = false;
process.on("SIGINT", () => {
  log("interrupted: stopping everything");
  void Promise.all([...running].map((g) => g.stop()))
    .then(() => stack.close())
    .finally(() => process.exit(130));
});

try {
  log("seeding: registering 110 customers and placing 100 orders through the subgraphs");
  const registered = await registerUsers(stack.urls.users, 110);
  const customers = [...seededCustomers, ...registered];
  await placeOrders(stack.urls.orders, signer, customers, 100);
  log("minting token pools");
  const tokens = {
    admin: await createTokenPool(signer, 12_000, [seededAdmin]),
    customers: await createTokenPool(signer, 12_000, customers),
  };
  const all = createScenarios(tokens, options.orderRate);
  const scenarios = options.scenarios ? all.filter((s) => options.scenarios!.includes(s.id)) : all;
  if (scenarios.length === 0) throw new Error(`no scenario matches --scenarios ${options.scenarios?.join(",")}`);

  // Outbox relays, event consumers and sweeps query on their own; their idle rate is subtracted.
  // First let notifications finish the seeding's events.
  await settle(stack, { users: 2, products: 2, orders: 2, notifications: 2 }, 2_000, 60_000);
  const idleBefore = await stack.counters();
  await sleep(3_000);
  const idleAfter = await stack.counters();
  const backgroundSqlPerSecond = Object.fromEntries(
    SUBGRAPHS.map((n) => [n, (idleAfter[n].sql - idleBefore[n].sql) / 3]),
  ) as Record<SubgraphName, number>;
  log(`background SQL/s: ${JSON.stringify(backgroundSqlPerSecond)}`);

  const supergraphPath = writeSupergraph(stack.urls, workDir);
  const persistedDocumentsPath = join(workDir, "persisted-documents.json");
  writeFileSync(persistedDocumentsPath, JSON.stringify(APQ_REGISTRATION.documents));
  const startOne = async (
    kind: GatewayKind,
    workers: number,
    tag: string,
    dedup: boolean,
    execArgv: string[] = [],
    subgraphs: { urls: typeof stack.urls; supergraphPath: string } = { urls: stack.urls, supergraphPath },
  ) => {
    const gateway = await startGateway({
      kind,
      workers,
      port: await nextPort(),
      supergraphPath: subgraphs.supergraphPath,
      subgraphUrls: subgraphs.urls,
      redis: { url: stack.redis.url!, prefix: stack.redis.prefix },
      dedup,
      persistedDocumentsPath,
      logDir,
      execArgv,
      tag,
      ...(kind === "shopgraph"
        ? {
            env: options.shopgraphEnv,
            ...(options.shopgraphNodeFlags ? { nodeFlags: options.shopgraphNodeFlags } : {}),
          }
        : {}),
    });
    running.add(gateway);
    return gateway;
  };
  const stopOne = async (gateway: RunningGateway) => {
    await gateway.stop();
    running.delete(gateway);
  };

  const measurements: Measurement[] = [];
  const checks: CheckRecord[] = [];
  /** Interleaved rounds: round 0 warms up, then every scenario runs against every target per round. */
  const runRounds = async (
    mode: Measurement["mode"],
    workers: number,
    selected: Scenario[],
    dedup: boolean,
    replay?: ReplayServer,
  ) => {
    log(`${mode}: starting ${options.gateways.length} gateways with ${workers} worker(s) each`);
    const subgraphs = replay ? { urls: replay.urls, supergraphPath: replaySupergraphPath! } : undefined;
    const gateways = await Promise.all(
      options.gateways.map((kind) => startOne(kind, workers, `${mode}-w${workers}`, dedup, [], subgraphs)),
    );
    try {
      if (replay) {
        // Record: each scenario once through each engine (their planners send different subgraph
        // operations), checked against the real subgraphs; then serve only from memory.
        await replay.setMode("record");
        for (const s of selected) for (const g of gateways) await probe(g.url, s.next());
        await replay.setMode("replay");
      }
      // Register the APQ hash in every worker (Apollo's store is per process), then prove it.
      for (const g of gateways) {
        if (g.kind === "hive" || g.kind === "hive-router") continue;
        for (let i = 0; i < 4 * workers; i++)
          await probeOnNewConnection(g.url, { headers: {}, body: APQ_REGISTRATION.body });
        for (let i = 0; i < 4 * workers; i++) {
          const answer = await probeOnNewConnection(g.url, { headers: {}, body: APQ_REGISTRATION.hashOnly });
          if (answer.body.errors?.length)
            log(`APQ not registered in every ${g.kind} worker: ${JSON.stringify(answer.body.errors[0])}`);
        }
      }
      const targetsOf = (s: Scenario) => [
        ...gateways.map((g) => ({ target: g.kind, url: g.url, sample: g.sample })),
        ...(s.direct && !replay
          ? [{ target: "direct" as const, url: stack.urls[s.direct], sample: () => sampleTree(stack.pidOf(s.direct!)) }]
          : []),
      ];
      for (const s of selected) {
        for (const t of targetsOf(s)) {
          const verdict = s.check(await probe(t.url, s.next()), t.target);
          checks.push({ workers, mode, scenario: s.id, target: t.target, ...verdict });
          if (!verdict.ok) log(`check ${s.id} → ${t.target}: ${verdict.note}`);
        }
      }
      for (let round = 0; round <= options.rounds; round++) {
        log(`${mode} w${workers}: ${round === 0 ? "warm-up round" : `round ${round}/${options.rounds}`}`);
        const base: MeasureOptions = {
          mode,
          workers,
          round,
          seconds: round === 0 ? options.warmupSeconds : options.seconds,
          connections: options.connections,
          stack,
          backgroundSqlPerSecond,
        };
        for (const s of selected) {
          const targets = targetsOf(s);
          // Rotate the order per round so no gateway always runs first (after a cooler machine).
          const rotated = [...targets.slice(round % targets.length), ...targets.slice(0, round % targets.length)];
          for (const t of rotated) measurements.push(await measure(s, t, base));
        }
      }
    } finally {
      await Promise.all(gateways.map(stopOne));
    }
  };

  let replaySupergraphPath: string | undefined;
  let replayStats: ReplayStats | null = null;
  for (const workers of options.workers) {
    if (options.modes.includes("replay")) {
      const selected = all.filter((s) => options.replayScenarios.includes(s.id));
      const replay = await startReplayServer(stack.urls, logDir);
      replaySupergraphPath = writeSupergraph(replay.urls, workDir, "supergraph-replay.graphql");
      try {
        await runRounds("replay", workers, selected, false, replay);
        replayStats = await replay.stats();
        log(`replay w${workers}: ${JSON.stringify(replayStats)}`);
      } finally {
        await replay.stop();
      }
    }
    if (!options.modes.includes("engine")) continue;
    const selected =
      workers > 1 && options.multiWorkerScenarios
        ? scenarios.filter((s) => options.multiWorkerScenarios!.includes(s.id))
        : scenarios;
    await runRounds("engine", workers, selected, false);
  }

  const heavy = all.find((s) => s.id === "heavy")!;
  const measureBase = {
    mode: "engine" as const,
    workers: 1,
    connections: options.connections,
    stack,
    backgroundSqlPerSecond,
  };

  log("subgraph work per operation: each scenario sent once through the Shopgraph gateway");
  const workRecords: WorkRecord[] = [];
  {
    const gateway = await startOne("shopgraph", 1, "work", false);
    await probe(gateway.url, { headers: {}, body: APQ_REGISTRATION.body });
    for (const s of all)
      workRecords.push(
        await probeWork(stack, backgroundSqlPerSecond, s.id, s.title, gateway.url, s.next(), s.settleMs ?? 300),
      );
    const userOrders = {
      headers: { authorization: `Bearer ${tokens.admin.next()}` },
      body: JSON.stringify({ query: USER_ORDERS_FANOUT_QUERY, variables: { n: 100 } }),
    };
    workRecords.push(
      await probeWork(
        stack,
        backgroundSqlPerSecond,
        "user-orders-100",
        "diagnostic: users(first: 100) → User.orders(first: 1) { totalCount } (orders resolves each user)",
        gateway.url,
        userOrders,
      ),
    );
    await stopOne(gateway);
  }

  let profile: string | null = null;
  if (options.profileSeconds > 0) {
    const sections: string[] = [];
    for (const [id, subgraphs] of [
      ["heavy", true],
      ["small", false],
    ] as const) {
      log(
        `profiling ${id} for ${options.profileSeconds} s (gateway --cpu-prof${subgraphs ? ", subgraphs via inspector" : ""})`,
      );
      const step = await profileScenario({
        stack,
        startGateway: (execArgv) => startOne("shopgraph", 1, `profile-${id}`, false, execArgv),
        stopGateway: stopOne,
        scenario: all.find((s) => s.id === id)!,
        seconds: options.profileSeconds,
        measureOptions: measureBase,
        workDir,
        out: resolve(`${options.out}-${id}`),
        subgraphs,
      });
      sections.push(`## CPU profile: ${id} scenario`, "", step.markdown, "");
    }
    profile = sections.join("\n");
  }

  let soakResult: SoakResult | null = null;
  if (options.soakSeconds > 0) {
    log(`soak: Shopgraph gateway, heavy scenario, ${options.soakSeconds} s`);
    const gateway = await startOne("shopgraph", 1, "soak", false, [
      "--expose-gc",
      "--import",
      pathToFileURL(fileURLToPath(new URL("./lib/gateway-probe.ts", import.meta.url))).href,
    ]);
    await measure(
      heavy,
      { target: "shopgraph", url: gateway.url, sample: gateway.sample },
      { ...measureBase, round: 0, seconds: 5 },
    );
    soakResult = await soak(gateway, heavy, options.soakSeconds, options.connections);
    await stopOne(gateway);
  }

  if (options.cacheRun) {
    log("cache run: products restarted with its entity cache on (300 s); gateway in-flight dedup on");
    await stack.restart(["products"], productsCacheEnv("on"));
    await runRounds(
      "cache",
      1,
      scenarios.filter((s) => ["small", "heavy"].includes(s.id)),
      true,
    );
  }

  const rows = summarize(measurements);
  const report = renderReport({
    meta: {
      date: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}, ${process.platform}`,
      load: `autocannon over loopback, ${options.connections} connections, warm-up ${options.warmupSeconds} s + ${options.rounds} measured round(s) of ${options.seconds} s per scenario and target; values are medians over the measured rounds, ratios are computed within each round`,
      gateways:
        "Shopgraph gateway (gateway/src/index.ts, NODE_ENV=production, RATE_LIMIT_ENABLED=false), @apollo/gateway 2.14.4 + @apollo/server 5.5.1 standalone, @graphql-hive/gateway 2.15.1 runtime (JS planner, and with @graphql-hive/router-runtime 1.4.23 unifiedGraphHandler)",
      duration: `${bench.elapsedSeconds().toFixed(0)} s`,
    },
    scenarioTitles: Object.fromEntries(all.map((s) => [s.id, s.title])),
    rows,
    targets: evaluateTargets(measurements, rows, soakResult, options.workers),
    checks,
    soak: soakResult,
    work: workMarkdown(workRecords),
    profile,
    notes: methodNotes(options, backgroundSqlPerSecond, tokens),
  });
  const out = writeBenchResults(options.out, report, {
    options,
    rows,
    checks,
    work: workRecords,
    measurements,
    soak: soakResult,
  });
  log(`wrote ${out}.md and ${out}.raw.json`);
} catch (error) {
  failed = true;
  log(`failed: ${(error as Error).stack ?? String(error)}`);
  log(`logs kept in ${logDir}`);
} finally {
  await Promise.all([...running].map((g) => g.stop()));
  await stack.close();
  if (!failed) rmSync(workDir, { recursive: true, force: true });
  process.exitCode = failed ? 1 : 0;
}
