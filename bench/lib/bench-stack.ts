import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startGateway, writeSupergraph, type RunningGateway } from "./gateways.ts";
import { createPortSource } from "./processes.ts";
import { SUBGRAPHS, startSubgraphs, type SubgraphName, type SubgraphStack } from "./stack.ts";
import { createBenchSigner, type BenchSigner } from "./tokens.ts";

/** What every bench starts from: a work folder with logs, a port source, a progress log and the four subgraphs. */
export interface BenchStack {
  workDir: string;
  logDir: string;
  nextPort: () => Promise<number>;
  /** Progress on stderr, stamped with seconds since the start. */
  log: (message: string) => void;
  /** Seconds since the start. */
  elapsedSeconds: () => number;
  signer: BenchSigner;
  stack: SubgraphStack;
}

/** Options for {@link startBenchStack}. */
export interface BenchStackOptions {
  /** Log prefix and work-folder name. */
  tag: string;
  productsCache: "off" | "on";
  /** Pin ports from here instead of ephemeral ones. */
  portBase?: number | undefined;
}

/**
 * A fresh work folder and the four real subgraphs (own processes, fresh databases, a private
 * Redis prefix), with a signing key users publishes so the bench can mint its own tokens.
 */
export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const began = Date.now();
  const elapsedSeconds = () => (Date.now() - began) / 1000;
  const log = (message: string) =>
    process.stderr.write(`[${options.tag} ${elapsedSeconds().toFixed(0).padStart(4)}s] ${message}\n`);
  const workDir = mkdtempSync(join(tmpdir(), `shopgraph-${options.tag}-`));
  const logDir = join(workDir, "logs");
  mkdirSync(logDir);
  const nextPort = createPortSource(options.portBase);
  const signer = await createBenchSigner();
  const ports = Object.fromEntries(
    await Promise.all(SUBGRAPHS.map(async (n) => [n, await nextPort()] as const)),
  ) as Record<SubgraphName, number>;
  log(`starting subgraphs (logs in ${logDir})`);
  const stack = await startSubgraphs({
    ports,
    privateJwks: signer.privateJwks,
    logDir,
    dataDir: join(workDir, "data"),
    productsCache: options.productsCache,
  });
  return { workDir, logDir, nextPort, log, elapsedSeconds, signer, stack };
}

/** One Shopgraph gateway process (1 worker, dedup off) in front of the bench's four subgraphs; `env` adds settings. */
export async function startShopgraphGateway(
  bench: BenchStack,
  tag: string,
  env?: Record<string, string>,
): Promise<RunningGateway> {
  const { stack, workDir, logDir } = bench;
  return startGateway({
    kind: "shopgraph",
    workers: 1,
    port: await bench.nextPort(),
    supergraphPath: writeSupergraph(stack.urls, workDir),
    subgraphUrls: stack.urls,
    redis: { url: stack.redis.url!, prefix: stack.redis.prefix },
    dedup: false,
    persistedDocumentsPath: join(workDir, "none.json"),
    logDir,
    tag,
    ...(env ? { env } : {}),
  });
}
