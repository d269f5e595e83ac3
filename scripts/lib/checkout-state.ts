// What one checkout's `pnpm start` keeps in .data/ besides the databases: its own development
// service token, and a lock that stops a second supervisor from sharing the embedded databases.
import { randomBytes } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Reads this checkout's development service token, generating it (256 random bits) on first use. */
export function checkoutServiceToken(dataDir: string): string {
  const file = join(dataDir, "service-token");
  if (existsSync(file)) {
    const token = readFileSync(file, "utf8").trim();
    if (token.length >= 32) return token;
  }
  mkdirSync(dataDir, { recursive: true });
  const token = `dev-${randomBytes(32).toString("base64url")}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** True when a process with this pid exists (signal 0 probes without sending anything). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid in a lock file, or undefined when it holds no live process (missing, garbage, or its process died). */
function liveHolder(file: string, self: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const holder = Number(text.trim());
  return Number.isInteger(holder) && holder > 0 && holder !== self && isAlive(holder) ? holder : undefined;
}

/**
 * Takes the checkout's start lock (`.data/start.pid`). Returns a release function, or throws when
 * another live supervisor holds it; a lock left by a dead process is taken over. Two supervisors
 * started at the same moment cannot both win: only one link(2) of the lock file succeeds.
 */
export function acquireStartLock(dataDir: string, pid: number = process.pid): () => void {
  const file = join(dataDir, "start.pid");
  mkdirSync(dataDir, { recursive: true });
  // The pid is written to a private file first and hard-linked into place: link(2) fails when the
  // lock exists, and a reader never sees a lock file without its pid.
  const mine = `${file}.${pid}`;
  writeFileSync(mine, `${pid}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(mine, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 2) throw error;
      }
      const holder = liveHolder(file, pid);
      if (holder !== undefined) {
        throw new Error(
          `another \`pnpm start\` (pid ${holder}) is running in this checkout and owns ${dataDir}; stop it first, or set DATA_DIR to another folder`,
        );
      }
      // Stale (its process died) or our own pid: remove it and race for the exclusive link again.
      rmSync(file, { force: true });
    }
  } finally {
    rmSync(mine, { force: true });
  }
  return () => {
    if (existsSync(file) && readFileSync(file, "utf8").trim() === String(pid)) rmSync(file, { force: true });
  };
}
