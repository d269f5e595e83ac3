import { fileURLToPath } from "node:url";
import { runMigrationJob } from "@shopgraph/subgraph-kit/migrate-job";

// The migration Job's entry point (loads only config, db and logger): apply the pending notifications migrations, then exit (deploy/kubernetes).
await runMigrationJob("notifications", fileURLToPath(new URL("../prisma/migrations", import.meta.url)));
