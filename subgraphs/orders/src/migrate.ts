import { fileURLToPath } from "node:url";
import { runMigrationJob } from "@shopgraph/subgraph-kit/migrate-job";

// The migration Job's entry point (loads only config, db and logger): apply the pending orders migrations, then exit (deploy/kubernetes).
await runMigrationJob("orders", fileURLToPath(new URL("../prisma/migrations", import.meta.url)));
