import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port.ts";
import { forgetDir, forgetPid, signalTree, systemUser, trackDir, trackPid } from "./private-process.ts";

const run = promisify(execFile);

/** A PostgreSQL server owned by one test file (initdb + pg_ctl on a temporary data directory). */
export interface PrivatePostgres {
  readonly port: number;
  /** `postgresql://postgres@127.0.0.1:<port>/postgres` (trust auth): stays the same across restarts. */
  readonly url: string;
  readonly running: boolean;
  /** `pg_ctl stop` (mode fast by default; `immediate` is a crash without checkpoint). */
  stop(mode?: "smart" | "fast" | "immediate"): Promise<void>;
  /** `pg_ctl start` on the same data directory and port; waits until it accepts connections. */
  start(): Promise<void>;
  /** stop(mode) then start(): the data survives, every connection is cut. */
  restart(mode?: "smart" | "fast" | "immediate"): Promise<void>;
  /** SIGSTOP to the postmaster and every backend: connections hang, nothing is refused. */
  freeze(): void;
  /** SIGCONT after {@link freeze}. */
  thaw(): void;
  /** Stops it and removes its data directory. Idempotent. */
  close(): Promise<void>;
}

/** Where initdb/pg_ctl live: TEST_PG_BIN, else the newest /usr/lib/postgresql/<n>/bin, else PATH. */
function pgBin(): string {
  if (process.env.TEST_PG_BIN) return process.env.TEST_PG_BIN;
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, "bin", "pg_ctl")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], "bin");
  }
  return "";
}

/**
 * Starts a private PostgreSQL on a free loopback port. initdb and postgres refuse to run as root,
 * so as root the server runs as the `postgres` system user (`runuser -u postgres --`). fsync is off:
 * durability across an OS crash is not what these tests are about, and it keeps them fast.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = pgBin();
  const tool = (name: string) => (bin ? join(bin, name) : name);
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? systemUser("postgres") : undefined;
  if (asRoot && !owner) throw new Error("running as root and there is no `postgres` user to run PostgreSQL as");
  const exec = (file: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", file, ...args]) : run(file, args);

  const port = await freePort();
  const base = await mkdtemp(join(tmpdir(), "sgt-pg-"));
  trackDir(base);
  if (owner) await chown(base, owner.uid, owner.gid);
  const dataDir = join(base, "data");
  const log = join(base, "server.log");
  await exec(tool("initdb"), [
    "-D",
    dataDir,
    "-U",
    "postgres",
    "-A",
    "trust",
    "-E",
    "UTF8",
    "--no-sync",
    "--no-instructions",
  ]);
  let postmaster: number | undefined;

  const options = [
    `-p ${port} -k ${base} -c listen_addresses=127.0.0.1`,
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
  ].join(" ");
  async function start(): Promise<void> {
    try {
      await exec(tool("pg_ctl"), ["-D", dataDir, "-l", log, "-o", options, "-w", "-t", "30", "start"]);
    } catch (error) {
      const tail = existsSync(log) ? readFileSync(log, "utf8").slice(-2_000) : "";
      throw new Error(`pg_ctl start failed: ${(error as Error).message}\n${tail}`, { cause: error });
    }
    postmaster = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    trackPid(postmaster);
  }
  async function stop(mode: "smart" | "fast" | "immediate" = "fast"): Promise<void> {
    if (postmaster === undefined) return;
    signalTree(postmaster, "SIGCONT"); // a frozen server cannot shut down
    await exec(tool("pg_ctl"), ["-D", dataDir, "-m", mode, "-w", "-t", "30", "stop"]);
    forgetPid(postmaster);
    postmaster = undefined;
  }

  await start();
  return {
    port,
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    get running() {
      return postmaster !== undefined;
    },
    stop,
    start,
    async restart(mode) {
      await stop(mode);
      await start();
    },
    freeze() {
      if (postmaster === undefined) throw new Error("private postgres is not running");
      signalTree(postmaster, "SIGSTOP");
    },
    thaw() {
      if (postmaster === undefined) throw new Error("private postgres is not running");
      signalTree(postmaster, "SIGCONT");
    },
    async close() {
      await stop("immediate").catch(() => {
        if (postmaster !== undefined) signalTree(postmaster, "SIGKILL");
      });
      await rm(base, { recursive: true, force: true });
      forgetDir(base);
    },
  };
}
