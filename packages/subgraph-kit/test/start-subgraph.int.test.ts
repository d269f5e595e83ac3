import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, z } from "@shopgraph/config";
import { dropDatabase, ensureDatabase, withDatabase } from "@shopgraph/db";
import { sendJson } from "@shopgraph/http";
import { createTestIssuer, hasRealServer, TEST_DATABASE_SERVER, testLogger } from "@shopgraph/testing";
import { finishSubgraphConfig, subgraphEnv } from "../src/subgraph-config.ts";
import { startSubgraph, type SubgraphDb } from "../src/start-subgraph.ts";

// startSubgraph against a real PostgreSQL database and a real HTTP listener: the close order is the
// house rule (stop accepting → drain → close the clients), observed from the outside.
const REAL_PG = await hasRealServer("PostgreSQL", TEST_DATABASE_SERVER, 5432);
const name = `sgt_kitstart_${process.pid}_${randomBytes(4).toString("hex")}`;
let migrationsDir = "";

beforeAll(async () => {
  // No tables needed: the kit's runner only has to find nothing to apply.
  migrationsDir = await mkdtemp(join(tmpdir(), "kit-migrations-"));
  if (REAL_PG) await ensureDatabase(TEST_DATABASE_SERVER, name);
});

afterAll(async () => {
  if (REAL_PG) await dropDatabase(TEST_DATABASE_SERVER, name);
  await rm(migrationsDir, { recursive: true, force: true });
});

/** The Prisma surface the kit uses, over a real pg pool (the kit owns no Prisma schema of its own). */
function pgDb(url: string, onDisconnect: () => Promise<void>): SubgraphDb & { pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const query = async <T>(text: string, ...values: unknown[]) => (await pool.query(text, values)).rows as T;
  return {
    pool,
    $queryRawUnsafe: query,
    $transaction: (fn) => fn({ $queryRawUnsafe: query }),
    $extends: () => {
      throw new Error("not a producer");
    },
    $disconnect: async () => {
      await onDisconnect();
      await pool.end();
    },
  };
}

/** Resolves with the error code of a fresh TCP connection attempt, or "connected". */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve("connected")));
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
  });
}

describe.skipIf(!REAL_PG)("startSubgraph", () => {
  it("closes in order: timers → drain (in-flight answered, then no new connections) → workers → revocations → database", async () => {
    const databaseUrl = withDatabase(TEST_DATABASE_SERVER, name);
    const env = {
      NODE_ENV: "test",
      PORT: "0",
      DATABASE_URL: databaseUrl,
      SEED: "false",
      SHUTDOWN_DRAIN_DELAY_MS: "1000",
    };
    const config = finishSubgraphConfig(loadConfig("kit-test", z.object(subgraphEnv(0)), env), env);
    const issuer = await createTestIssuer({ issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
    const steps: string[] = [];
    let port = 0;
    let arrived = () => {};
    const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
    const subgraph = await startSubgraph({
      name: "kit-test",
      config,
      logger: testLogger("kit-test"),
      migrationsDir,
      typeDefs: `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
        type Query { ping: Boolean }
        type Thing @key(fields: "id") { id: ID! }`,
      resolvers: { Query: { ping: () => true } },
      producer: false,
      createDb: (url) =>
        pgDb(url, async () => {
          steps.push(`database closed (new connection: ${await tryConnect(port)})`);
        }),
      setup: ({ db, revocations }) => {
        const stop = revocations.stop.bind(revocations);
        revocations.stop = async () => (steps.push("revocations stopped"), stop());
        return {
          jwks: issuer.jwks,
          createContext: (base) => base,
          routes: {
            // A request in flight when the shutdown starts: it needs the database after a while.
            "GET /slow": async (_req, res) => {
              arrived();
              await new Promise((resolve) => setTimeout(resolve, 1_500));
              const rows = await db.$queryRawUnsafe<{ ok: number }[]>("SELECT 1 AS ok");
              steps.push("in-flight request answered");
              sendJson(res, 200, rows[0]);
            },
          },
          beforeDrain: () => steps.push("timers stopped"),
          afterDrain: async () => {
            steps.push(`workers stopped (new connection: ${await tryConnect(port)})`);
          },
          handle: { pool: db.pool },
        };
      },
    });
    port = Number(new URL(subgraph.url).port);
    expect((await fetch(`${subgraph.url}/readyz`)).status).toBe(200);

    const slow = fetch(`${subgraph.url}/slow`);
    await slowArrived;
    const closed = subgraph.close();
    // Draining: probes see not-ready at once (while the in-flight request holds the drain open),
    // so the load balancer moves clients off before connections close.
    expect((await fetch(`${subgraph.url}/readyz`)).status).toBe(503);
    const answer = await slow;
    await closed;

    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ ok: 1 });
    expect(steps).toEqual([
      "timers stopped",
      "in-flight request answered",
      "workers stopped (new connection: ECONNREFUSED)",
      "revocations stopped",
      "database closed (new connection: ECONNREFUSED)",
    ]);
    expect(subgraph.pool.ending).toBe(true);
  }, 30_000);
});
