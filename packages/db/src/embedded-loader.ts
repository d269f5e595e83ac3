import type * as EmbeddedModule from "./embedded-postgres.ts";
import type { EmbeddedPostgres, EmbeddedPostgresOptions } from "./embedded-postgres.ts";

/**
 * Starts the embedded PostgreSQL (PGlite), loading it on first use: PGlite is a development
 * dependency, absent from the production image, and a process with DATABASE_URL set never imports it.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  let embedded: typeof EmbeddedModule;
  try {
    embedded = await import("./embedded-postgres.ts");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND";
    if (!missing) throw error;
    throw new Error("embedded PostgreSQL (PGlite) is a development dependency and is not installed: set DATABASE_URL", {
      cause: error,
    });
  }
  return embedded.startEmbeddedPostgres(options);
}
