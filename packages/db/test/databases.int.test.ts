import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { dropDatabase, ensureDatabase, withDatabase } from "../src/index.ts";
import { query, SERVER_URL, uniqueName, REAL_POSTGRES } from "./support.ts";

const exists = async (name: string) =>
  (await query(SERVER_URL, "SELECT 1 FROM pg_database WHERE datname = $1", [name])).length === 1;

const created: string[] = [];
afterAll(async () => {
  if (!REAL_POSTGRES) return;
  for (const name of created) await dropDatabase(SERVER_URL, name);
});

describe.skipIf(!REAL_POSTGRES)("ensureDatabase / dropDatabase", () => {
  it("creates once even when many callers race, and reports who created it", async () => {
    const name = uniqueName("sgt_db_ensure");
    created.push(name);
    const results = await Promise.all(Array.from({ length: 6 }, () => ensureDatabase(SERVER_URL, name)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await exists(name)).toBe(true);
    expect(await ensureDatabase(SERVER_URL, name)).toBe(false);
  });

  it("rejects names outside ^[a-z0-9_]+$ before touching the server", async () => {
    for (const bad of ['x"; DROP DATABASE postgres; --', "Upper", "with-dash", ""]) {
      await expect(ensureDatabase(SERVER_URL, bad)).rejects.toThrow(/invalid database name/);
      await expect(dropDatabase(SERVER_URL, bad)).rejects.toThrow(/invalid database name/);
    }
  });

  it("drops a database that still has open sessions, and tolerates a missing one", async () => {
    const name = uniqueName("sgt_db_drop");
    created.push(name);
    await ensureDatabase(SERVER_URL, name);
    const holder = new pg.Client({ connectionString: withDatabase(SERVER_URL, name) });
    holder.on("error", () => {}); // FORCE terminates this session
    await holder.connect();
    await dropDatabase(SERVER_URL, name);
    expect(await exists(name)).toBe(false);
    await holder.end().catch(() => undefined);
    await expect(dropDatabase(SERVER_URL, name)).resolves.toBeUndefined();
  });

  it("withDatabase swaps only the database path", () => {
    expect(withDatabase("postgresql://u:p%40ss@h:6543/postgres?sslmode=disable", "app_db")).toBe(
      "postgresql://u:p%40ss@h:6543/app_db?sslmode=disable",
    );
  });
});
