// What one checkout's `pnpm start` keeps in .data/ besides the databases: its own development
// service token, and a lock that stops a second supervisor from sharing the embedded databases.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/**
 * Takes the checkout's start lock (`.data/start.pid`). Returns a release function, or throws when
 * another live supervisor holds it; a lock left by a dead process is taken over.
 */
export function acquireStartLock(dataDir: string, pid: number = process.pid): () => void {
  const file = join(dataDir, "start.pid");
  mkdirSync(dataDir, { recursive: true });
  if (existsSync(file)) {
    const holder = Number(readFileSync(file, "utf8").trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== pid && isAlive(holder)) {
      throw new Error(`another \`pnpm start\` (pid ${holder}) is running in this checkout and owns ${dataDir}; stop it first, or set DATA_DIR to another folder`);
    }
  }
  writeFileSync(file, `${pid}\n`);
  return () => {
    if (existsSync(file) && readFileSync(file, "utf8").trim() === String(pid)) rmSync(file, { force: true });
  };
}
