import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrivatePostgres, type PrivatePostgres } from "@shopgraph/testing";

// The fault suite's own PostgreSQL (initdb + pg_ctl) does what the fault tests rely on: it keeps
// its data across a restart, refuses connections while stopped and answers nothing while frozen.

describe("private PostgreSQL", () => {
  let server: PrivatePostgres;
  beforeAll(async () => {
    server = await startPrivatePostgres();
  }, 60_000);
  afterAll(() => server?.close());

  const query = async (sql: string, timeoutMs = 5_000) => {
    const client = new pg.Client({
      connectionString: server.url,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
    });
    client.on("error", () => {});
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end().catch(() => {});
    }
  };

  it("keeps its data across a restart and refuses connections while stopped", async () => {
    await query("CREATE TABLE t (n int); INSERT INTO t VALUES (1), (2)");
    await server.stop();
    await expect(query("SELECT 1")).rejects.toThrow(/ECONNREFUSED/);
    await server.start();
    expect(await query("SELECT count(*)::int AS n FROM t")).toEqual([{ n: 2 }]);
    await server.restart("immediate");
    expect(await query("SELECT count(*)::int AS n FROM t")).toEqual([{ n: 2 }]);
  }, 60_000);

  it("hangs while frozen and answers after a thaw", async () => {
    const client = new pg.Client({ connectionString: server.url, query_timeout: 300 });
    await client.connect();
    server.freeze();
    try {
      await expect(client.query("SELECT 1")).rejects.toThrow(/timeout/i);
    } finally {
      server.thaw();
    }
    await client.end().catch(() => {});
    expect(await query("SELECT 42 AS n")).toEqual([{ n: 42 }]);
  }, 60_000);
});
