import { fileURLToPath } from "node:url";
import { ask, startChild, type Child } from "./processes.ts";
import { sampleTree, type TreeSample } from "./procfs.ts";
import type { SubgraphName } from "./stack.ts";

/** Recorded/hit/missed bodies per subgraph. */
export type ReplayStats = Record<string, { recorded: number; hits: number; misses: number }>;

/** The running replay subgraphs (bench/gateways/replay-server.ts in a process of its own). */
export interface ReplayServer {
  urls: Record<SubgraphName, string>;
  child: Child;
  setMode(mode: "record" | "replay"): Promise<void>;
  stats(): Promise<ReplayStats>;
  sample(): TreeSample;
  stop(): Promise<void>;
}

/** Starts the replay subgraphs in front of the real ones (record mode first). */
export async function startReplayServer(
  upstreams: Record<SubgraphName, string>,
  logDir: string,
): Promise<ReplayServer> {
  const child = startChild({
    name: "replay-subgraphs",
    entry: fileURLToPath(new URL("../gateways/replay-server.ts", import.meta.url)),
    env: { UPSTREAMS: JSON.stringify(upstreams) },
    logDir,
  });
  const ready = await new Promise<{ urls: Record<SubgraphName, string> }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("replay server not ready")), 30_000);
    child.process.on("message", (m: { type?: string; urls?: Record<SubgraphName, string> }) => {
      if (m?.type === "ready" && m.urls) {
        clearTimeout(timer);
        resolve({ urls: m.urls });
      }
    });
  });
  return {
    urls: ready.urls,
    child,
    async setMode(mode) {
      await ask(child, { type: "mode", mode }, "mode-set");
    },
    async stats() {
      return (await ask<{ type: string; stats: ReplayStats }>(child, { type: "stats" }, "stats")).stats;
    },
    sample: () => sampleTree(child.pid),
    stop: () => child.stop(),
  };
}
