import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { SupergraphSdlHook } from "@apollo/gateway";
import type { Logger } from "@shopgraph/logger";

/** Options for {@link supergraphFromFile}. */
export interface SupergraphFileOptions {
  /** The composed supergraph (SUPERGRAPH_PATH). */
  path: string;
  /** How often the file is re-read for a change; 0 = read once (a static supergraph). */
  pollMs: number;
  logger: Logger;
  /** Called after each supergraph the gateway accepted, with its SHA-256 (tests, logs). */
  onUpdate?: (sha256: string) => void;
  /** What Apollo's planner is given instead of the file's text (the SECURITY links stripped); default: the text. */
  forPlanner?: (sdl: string) => string;
  /** Called with the file's own text, first at load and after each update the gateway accepted (authorization). */
  onLoad?: (sdl: string) => void;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * The gateway's supergraph, read from a file and swapped in place when the file changes.
 *
 * Polling, not fs.watch: Kubernetes updates a mounted ConfigMap by swapping a `..data` symlink,
 * which inotify on the file itself does not report; re-reading and hashing a ~50 kB file every few
 * seconds costs nothing. Apollo Gateway's `update` plans new operations with the new schema while
 * operations already running finish on the old one, so a swap fails no request; a file the gateway
 * refuses (invalid SDL, half-written) is logged once and the previous supergraph keeps serving.
 */
export function supergraphFromFile(options: SupergraphFileOptions): SupergraphSdlHook {
  return async ({ update }) => {
    const forPlanner = options.forPlanner ?? ((sdl: string) => sdl);
    const initial = await readFile(options.path, "utf8");
    const initialForPlanner = forPlanner(initial);
    options.onLoad?.(initial);
    let current = sha256(initial);
    let rejected: string | undefined;
    if (options.pollMs === 0) return { supergraphSdl: initialForPlanner };
    let busy = false;
    const check = async () => {
      const sdl = await readFile(options.path, "utf8");
      const hash = sha256(sdl);
      if (hash === current || hash === rejected) return;
      try {
        update(forPlanner(sdl));
      } catch (error) {
        rejected = hash;
        options.logger.error(
          { err: error, path: options.path, sha256: hash },
          "new supergraph rejected; still serving the previous one",
        );
        return;
      }
      options.onLoad?.(sdl);
      options.logger.info({ path: options.path, sha256: hash, previous: current }, "supergraph updated");
      current = hash;
      options.onUpdate?.(hash);
    };
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      // A missing file (mid-swap, or an unmounted volume) keeps the current supergraph.
      check()
        .catch((error: unknown) =>
          options.logger.warn(
            { err: error, path: options.path },
            "supergraph file unreadable; keeping the current one",
          ),
        )
        .finally(() => (busy = false));
    }, options.pollMs);
    timer.unref();
    return { supergraphSdl: initialForPlanner, cleanup: async () => clearInterval(timer) };
  };
}
