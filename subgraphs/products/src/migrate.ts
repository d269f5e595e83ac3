import { fileURLToPath } from "node:url";
import { runMigrationJob } from "@shopgraph/subgraph-kit/migrate-job";

// The migration Job's entry point (loads only config, db and logger): apply the pending products migrations, then exit (deploy/kubernetes).
await runMigrationJob("products", fileURLToPath(new URL("../prisma/migrations", import.meta.url)));
