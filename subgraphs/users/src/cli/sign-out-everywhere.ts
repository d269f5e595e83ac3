import { parseArgs } from "node:util";
import { startRevocations } from "@shopgraph/auth";
import { configOrExit } from "@shopgraph/config";
import { createLogger } from "@shopgraph/logger";
import { loadUsersConfig } from "../config.ts";
import { createDb } from "../db/client.ts";
import { findUserByEmail, findUserById } from "../db/user-repository.ts";
import { signOutEverywhere } from "../domain/sessions.ts";
import { normalizeEmail } from "../domain/validation.ts";

// Signs a user out on every device: revokes all refresh-token families and every access token
// issued until now, on the gateway and every subgraph within milliseconds (through Redis).
//   node subgraphs/users/src/cli/sign-out-everywhere.ts --email someone@example.com   (or --id <uuid>)
// The contract has no such mutation, so this is the operators' tool (an account takeover, a lost
// device). It uses the users service's own settings (DATABASE_URL, REDIS_URL, REDIS_KEY_PREFIX);
// exit 0 done, 1 refused, 2 usage.
const usage = "usage: sign-out-everywhere (--email <email> | --id <user id>)";
let values: { email?: string | undefined; id?: string | undefined };
try {
  ({ values } = parseArgs({ options: { email: { type: "string" }, id: { type: "string" } }, strict: true }));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${usage}\n`);
  process.exit(2);
}
if (!values.email === !values.id) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
const config = configOrExit(() => loadUsersConfig());
// Without Redis the running processes' revocations live in the users process's memory, out of
// this command's reach: refresh tokens would die, access tokens would not. Refuse rather than half-do it.
if (!config.DATABASE_URL || !config.REDIS_URL) {
  process.stderr.write(
    "refused: sign-out-everywhere needs DATABASE_URL and REDIS_URL (the service's shared database and Redis)\n",
  );
  process.exit(1);
}
const logger = createLogger({ service: "users-cli", level: "warn", redactEmails: false });
const db = createDb(config.DATABASE_URL, 1);
const revocations = await startRevocations(config, {
  role: "publisher",
  logger,
  tokenLifetimeMs: (config.ACCESS_TOKEN_TTL_SECONDS + config.JWT_CLOCK_TOLERANCE_SECONDS) * 1000,
});
try {
  const user = values.email
    ? await findUserByEmail(db, normalizeEmail(values.email))
    : /^[0-9a-f-]{36}$/i.test(values.id!)
      ? await findUserById(db, values.id!)
      : null;
  if (!user) {
    process.stderr.write("refused: NOT_FOUND: no such user\n");
    process.exitCode = 1;
  } else {
    await signOutEverywhere({ db, revocations }, user.id);
    if (revocations.pendingCount() > 0) await revocations.sync().catch(() => {});
    if (revocations.pendingCount() === 0) {
      process.stdout.write(`signed out everywhere: ${user.email} (id ${user.id})\n`);
    } else {
      process.stderr.write(
        "refused: the revocation could not be written to Redis; refresh tokens are revoked, access tokens are not. Run again.\n",
      );
      process.exitCode = 1;
    }
  }
} finally {
  await revocations.stop();
  await db.$disconnect();
}
