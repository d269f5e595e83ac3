import { text } from "node:stream/consumers";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { configOrExit } from "@shopgraph/config";
import { DomainError } from "@shopgraph/errors";
import { createLogger } from "@shopgraph/logger";
import { openDatabase } from "@shopgraph/subgraph-kit";
import { loadUsersConfig } from "../config.ts";
import { createDb } from "../db/client.ts";
import { createAdmin } from "../domain/admin-bootstrap.ts";

// Creates an ADMIN (the documented way to the first one; production never seeds):
//   printf '%s\n' "$PASSWORD" | node subgraphs/users/src/cli/create-admin.ts --email ops@example.com --name "Ops Admin"
// The password comes from ADMIN_PASSWORD or the first line of stdin, never from argv (ps, shell history).
// Database settings are the users service's own (DATABASE_URL …, via config.ts); exit 0 created, 1 refused, 2 usage.
const usage = "usage: create-admin --email <email> [--name <name>]   (password: ADMIN_PASSWORD or stdin)";
let values: { email?: string | undefined; name?: string | undefined };
try {
  ({ values } = parseArgs({ options: { email: { type: "string" }, name: { type: "string" } }, strict: true }));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${usage}\n`);
  process.exit(2);
}
if (!values.email) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
const config = configOrExit(() => loadUsersConfig());
// The one env read outside config.ts: a secret for this command only, not service configuration.
const password = process.env.ADMIN_PASSWORD ?? (await text(process.stdin)).split(/\r?\n/)[0] ?? "";
const logger = createLogger({ service: "users-cli", level: "warn", redactEmails: false });
const database = await openDatabase({
  service: "users",
  databaseUrl: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  migrationsDir: fileURLToPath(new URL("../../prisma/migrations", import.meta.url)),
  logger,
  poolMax: 1,
  migrate: config.MIGRATE_ON_START,
});
const db = createDb(database.url, database.poolMax);
try {
  const input = { email: values.email, password, name: values.name ?? "Administrator" };
  const admin = await createAdmin(db, input, { minScore: config.PASSWORD_MIN_SCORE });
  process.stdout.write(`created ADMIN ${admin.email} (id ${admin.id})\n`);
} catch (error) {
  if (!(error instanceof DomainError)) throw error;
  for (const e of error.userErrors)
    process.stderr.write(`refused: ${e.code}: ${e.message}${e.field ? ` (${e.field.join(".")})` : ""}\n`);
  process.exitCode = 1;
} finally {
  await db.$disconnect();
  await database.close();
}
