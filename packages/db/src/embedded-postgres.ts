import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, open, readFile, rename, rm, stat } from "node:fs/promises";
import type { Socket } from "node:net";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { EMBEDDED_SETTINGS } from "./embedded-settings.ts";

export { EMBEDDED_POOL_MAX } from "./embedded-pool.ts";

/** How long a connection waits for the previous one to go away before it is refused. */
const CONNECTION_WAIT_MS = 10_000;

/** Sockets the OS-level server holds open (one attached, the rest waiting their turn). */
const MAX_SOCKETS = 32;

/** The initdb a template is built with, run as `node <script> <dir>` (see {@link runInitdb}). */
const INITDB_SCRIPT = fileURLToPath(new URL("./embedded-initdb.ts", import.meta.url));

export type EmbeddedPostgresOptions = {
  /** Where PGlite keeps its files; created if missing, reused (with its data) on the next start. */
  dataDir: string;
  host?: string;
  /** 0 (the default) lets the OS pick a free port; read it from the returned url. */
  port?: number;
  /**
   * An empty, initialized data directory to copy when `dataDir` holds none yet; built there on
   * first use. Several embedded servers on one machine then pay for PostgreSQL's initdb once.
   */
  templateDir?: string;
};

const hasDataDir = (dir: string) =>
  stat(join(dir, "PG_VERSION")).then(
    () => true,
    () => false,
  );

/** How often a starter waiting for another one's template looks again. */
const TEMPLATE_POLL_MS = 100;

/** Whether the process that wrote `lockFile` (its pid) is gone: its lock protects nothing any more. */
async function isStaleLock(lockFile: string): Promise<boolean> {
  const pid = Number((await readFile(lockFile, "utf8").catch(() => "")).trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    // Written but not yet filled in by its owner, or garbage: stale only once it has aged.
    const age = await stat(lockFile).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    return age > 10_000;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Initializes `templateDir` unless it exists; returns whether this call ran the initdb. Starters
 * of one DATA_DIR run concurrently (`pnpm start` starts the four subgraphs together): one of them
 * takes `<templateDir>.lock` and builds the template in a private folder renamed into place, the
 * others wait for it instead of each running its own initdb (seconds of CPU each). A lock left by
 * a process that died is taken over.
 */
async function ensureTemplate(templateDir: string): Promise<boolean> {
  const lockFile = `${templateDir}.lock`;
  await mkdir(dirname(templateDir), { recursive: true });
  while (!(await hasDataDir(templateDir))) {
    const lock = await open(lockFile, "wx").catch((error: NodeJS.ErrnoException) => {
      if (error.code === "EEXIST") return undefined;
      throw error;
    });
    if (!lock) {
      if (await isStaleLock(lockFile)) await rm(lockFile, { force: true });
      else await sleep(TEMPLATE_POLL_MS);
      continue;
    }
    try {
      await lock.writeFile(String(process.pid));
      if (await hasDataDir(templateDir)) return false;
      const building = await mkdtemp(`${templateDir}.building-`);
      await runInitdb(building);
      await rename(building, templateDir).catch(async () => rm(building, { recursive: true, force: true }));
      return true;
    } finally {
      await lock.close();
      await rm(lockFile, { force: true });
    }
  }
  return false;
}

/**
 * Runs the initdb in a short-lived child process. In the starting service it left its wasm instance's
 * traces behind for the whole session: the service that built the template held ~70 MiB more RSS
 * after start than its siblings (glibc heap +30 MiB, PGlite's wasm memory +10 MiB, measured after
 * 45 s), beside an initdb that takes a fraction of a cold start's CPU either way.
 */
function runInitdb(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // Liftoff only: TurboFan recompiling PGlite's wasm made the initdb cost 3.8 instead of 2.6 CPU s (577-650 MB peak RSS vs 1.1 GB).
    const child = spawn(process.execPath, ["--liftoff-only", INITDB_SCRIPT, dir], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-4000)));
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`embedded PostgreSQL initdb failed (${signal ?? `exit code ${code}`}): ${stderr.trim()}`));
    });
  });
}

/** Fills an empty `dataDir` from `templateDir` (built first if needed); returns whether this call built it. */
async function seedFromTemplate(dataDir: string, templateDir: string): Promise<boolean> {
  if (await hasDataDir(dataDir)) return false;
  const built = await ensureTemplate(templateDir);
  await cp(templateDir, dataDir, { recursive: true });
  return built;
}

export type EmbeddedPostgres = {
  /** postgresql://postgres@host:port/postgres; PGlite has one database, so the path is informational. */
  url: string;
  /** Whether this start ran the template's initdb (the first embedded server of a DATA_DIR). */
  initializedTemplate: boolean;
  /** Stops accepting connections, disconnects clients and shuts PGlite down cleanly (safe to call twice). */
  close(): Promise<void>;
};

/** Starts PGlite persisted in `dataDir` behind a Postgres wire-protocol server on an ephemeral port. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const host = options.host ?? "127.0.0.1";
  const initializedTemplate = options.templateDir
    ? await seedFromTemplate(options.dataDir, options.templateDir)
    : false;
  await mkdir(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir, {
    startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS],
  });
  // Only one connection is ever attached: the server's multiplexer would interleave protocol messages
  // of concurrent connections (clobbering unnamed prepared statements) in one shared session.
  // With the queue patch, maxConnections only sizes the waiting room (it is also net.Server's limit,
  // which drops sockets outright); without it, 1 keeps the server's refuse-when-busy behaviour.
  const canQueue =
    typeof (PGLiteSocketServer.prototype as unknown as ConnectionHandler).handleConnection === "function";
  const server = new PGLiteSocketServer({
    db,
    host,
    port: options.port ?? 0,
    maxConnections: canQueue ? MAX_SOCKETS : 1,
  });
  const state = { stopped: false };
  if (canQueue) queueConnections(server, state);
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  // getServerConn() is "host:port" once listening, with the OS-assigned port filled in.
  const port = Number(server.getServerConn().split(":").at(-1));
  let closing: Promise<void> | undefined;
  return {
    url: `postgresql://postgres@${host}:${port}/postgres`,
    initializedTemplate,
    close() {
      closing ??= (async () => {
        state.stopped = true;
        await server.stop();
        // A clean close checkpoints and releases the data dir, so the next start skips recovery.
        if (!db.closed) await db.close();
      })();
      return closing;
    },
  };
}

type ConnectionHandler = { handleConnection?: (socket: Socket) => Promise<void> };

/**
 * Makes a connection that arrives while another is attached wait for it (FIFO) instead of being
 * refused. The server frees its slot a few ticks after the client's socket closes, so with a hard
 * limit of 1 a pool that replaces its connection, or a client opened right after `pool.end()`,
 * fails at random with "Connection terminated unexpectedly". Wraps a private method of
 * pglite-socket 0.2.17 (the caller checks it still exists).
 */
function queueConnections(server: PGLiteSocketServer, state: { stopped: boolean }): void {
  const target = server as unknown as Required<ConnectionHandler>;
  const original = target.handleConnection.bind(server);
  let turn: Promise<void> = Promise.resolve();
  target.handleConnection = (socket) => {
    const mine = turn.then(async () => {
      const deadline = Date.now() + CONNECTION_WAIT_MS;
      while (!state.stopped && !socket.destroyed && server.getStats().activeConnections > 0 && Date.now() < deadline) {
        await sleep(2);
      }
      if (socket.destroyed) return;
      if (server.getStats().activeConnections > 0) {
        // Waited too long: the other client is holding on to its connection (pool max > 1?).
        socket.end();
        return;
      }
      // The server registers the handler synchronously, before its first await, so the slot is
      // taken before the next waiter looks.
      void original(socket);
    });
    turn = mine;
    return mine;
  };
}
