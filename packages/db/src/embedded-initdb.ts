// `node embedded-initdb.ts <dir>`: initializes an embedded PostgreSQL (PGlite) data directory in
// `<dir>` and exits. embedded-postgres.ts runs it as a child process to build the template the
// embedded servers of a DATA_DIR copy, so that the initdb's wasm instance never lives in a service.
import { PGlite } from "@electric-sql/pglite";
import { EMBEDDED_SETTINGS } from "./embedded-settings.ts";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node embedded-initdb.ts <dir>");
  process.exit(2);
}
const db = await PGlite.create(dir, { startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS] });
await db.close();
