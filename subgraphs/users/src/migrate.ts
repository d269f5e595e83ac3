import { fileURLToPath } from "node:url";
import { runMigrationJob } from "@shopgraph/subgraph-kit/migrate-job";

// The migration Job's entry point (loads only config, db and logger): apply the pending users migrations, then exit (deploy/kubernetes).
await runMigrationJob("users", fileURLToPath(new URL("../prisma/migrations", import.meta.url)));
