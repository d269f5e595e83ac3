import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  buildClientSchema,
  getIntrospectionQuery,
  parse,
  validate,
  type GraphQLSchema,
  type IntrospectionQuery,
} from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scopesForRole, type Viewer } from "@shopgraph/auth";
import { testLogger } from "@shopgraph/testing";
import { HEAVY_QUERY, SMALL_QUERY, USER_ORDERS_FANOUT_QUERY } from "../../../bench/lib/scenarios.ts";
import { startGateway, type RunningGateway } from "../../src/app.ts";
import { engineCounters } from "../../src/engine/engine-gateway.ts";
import { loadGatewayConfig } from "../../src/config.ts";
import { generateOperation } from "./operation-generator.ts";
import { startMockSubgraphs } from "./mock-subgraphs.ts";

/**
 * The engine's differential suite (issue 16 §1): the same requests through two gateways built by
 * createGateway, one with GATEWAY_ENGINE=apollo (@apollo/gateway's executor) and one with
 * GATEWAY_ENGINE=shopgraph, in front of the same deterministic subgraph servers. Every HTTP
 * answer must be byte-identical: status, data (field order, aliases, __typename, nulls), errors
 * with their paths and codes, and extensions.
 *
 * Corpus (DIFFERENTIAL_GENERATED=3000 for a longer run; CI runs 600 to stay near a minute): the persisted-query manifest and operation files, the bench's operations, and
 * GENERATED operations over the API schema, each under one of the subgraphs' fault profiles
 * (field errors, nulls, missing entities, HTTP 500/503, connection resets, garbage JSON, unknown
 * __typename, invalid leaf values; see mock-subgraphs.ts).
 */

const GENERATED = Number(process.env.DIFFERENTIAL_GENERATED ?? 600);
const PROFILES = 10;
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

const ADMIN: Omit<Viewer, "tokenId"> = { id: "admin-1", role: "ADMIN", scopes: scopesForRole("ADMIN") };

let mocks: Awaited<ReturnType<typeof startMockSubgraphs>>;
let apollo: RunningGateway;
let engine: RunningGateway;
let schema: GraphQLSchema;

async function start(engineName: "apollo" | "shopgraph"): Promise<RunningGateway> {
  const urls = mocks.subgraphs;
  const config = loadGatewayConfig({
    NODE_ENV: "test",
    PORT: "0",
    METRICS_PORT: "0",
    GATEWAY_ENGINE: engineName,
    GATEWAY_TOKEN: "differential-gateway-token-0123456789abcdef",
    USERS_URL: urls.users.url,
    PRODUCTS_URL: urls.products.url,
    ORDERS_URL: urls.orders.url,
    NOTIFICATIONS_URL: urls.notifications.url,
    JWKS_URL: "http://127.0.0.1:9/jwks.json",
    RATE_LIMIT_ENABLED: "false",
    SUBGRAPH_DEDUP: "false",
    SUBGRAPH_RETRIES: "0",
    BREAKER_FAILURE_THRESHOLD: "1000000000",
    BREAKER_READINESS_POLL_MS: "0",
    MAX_COST: "100000000",
    MAX_ALIASES: "200",
    MAX_FIELDS: "5000",
    MAX_ROOT_FIELDS: "50",
  });
  return startGateway(config, {
    logger: testLogger("gateway"),
    // Any token is an admin holding every scope: the suite is about execution, not authorization.
    verifyAccessToken: async (token) => ({ ...ADMIN, tokenId: token }),
    revocations: { isRevoked: () => false },
  });
}

interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  profile: number;
}

async function send(gateway: RunningGateway, c: Case, tag: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${gateway.url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "apollo-require-preflight": "true",
      authorization: `Bearer p${c.profile}.${tag}.sig`,
    },
    body: JSON.stringify({ query: c.query, variables: c.variables, operationName: c.operationName }),
  });
  // The request id is per request by design; everything else must match.
  return { status: res.status, body: (await res.text()).replace(/"requestId":"[^"]*"/g, '"requestId":"…"') };
}

/**
 * The body with its errors in a fixed order: fetches of a Parallel node finish in any order, and
 * both executors list errors as they arrive (so does Apollo against itself). Data keeps its order.
 */
function canonical(body: string): string {
  const parsed = JSON.parse(body) as { errors?: unknown[] };
  if (parsed.errors) parsed.errors = parsed.errors.map((e) => JSON.stringify(e)).sort();
  return JSON.stringify(parsed);
}

/** Runs cases through both gateways (a few at a time) and returns the mismatches. */
async function compare(
  cases: Case[],
): Promise<{ c: Case; apollo: string; engine: string }[] & { withData: number; withErrors: number }> {
  const mismatches = Object.assign([] as { c: Case; apollo: string; engine: string }[], { withData: 0, withErrors: 0 });
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      const c = cases[i]!;
      const tag = `t${i}x${c.profile}`;
      const [a, b] = await Promise.all([send(apollo, c, tag), send(engine, c, tag)]);
      const parsed = JSON.parse(a.body) as { data?: Record<string, unknown> | null; errors?: unknown[] };
      if (a.status === 200 && parsed.data && Object.keys(parsed.data).length > 0) mismatches.withData++;
      if (parsed.errors?.length) mismatches.withErrors++;
      if (a.status !== b.status || canonical(a.body) !== canonical(b.body))
        mismatches.push({ c, apollo: `${a.status} ${a.body}`, engine: `${b.status} ${b.body}` });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return mismatches;
}

function report(mismatches: Awaited<ReturnType<typeof compare>>) {
  return mismatches
    .slice(0, 3)
    .map(
      (m) =>
        `${m.c.name} (profile ${m.c.profile})\n${m.c.query}\nvariables ${JSON.stringify(m.c.variables)}\napollo: ${m.apollo.slice(0, 1500)}\nengine: ${m.engine.slice(0, 1500)}`,
    )
    .join("\n\n");
}

/** Every operation of the persisted-query manifest and the operation files, and the bench's. */
function knownOperations(): { name: string; query: string }[] {
  const manifest = JSON.parse(readFileSync(here("../../../schema/persisted-queries/manifest.json"), "utf8")) as {
    operations: { name: string; body: string }[];
  };
  const dir = here("../../../schema/persisted-queries/operations");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".graphql"))
    .map((f) => ({ name: f, query: readFileSync(`${dir}/${f}`, "utf8") }));
  return [
    ...manifest.operations.map((o) => ({ name: o.name, query: o.body })),
    ...files,
    { name: "bench heavy", query: HEAVY_QUERY },
    { name: "bench small", query: SMALL_QUERY },
    { name: "bench user fan-out", query: USER_ORDERS_FANOUT_QUERY },
  ];
}

/** Plausible variables for a known operation (every declared variable, generated from its type). */
function variablesFor(query: string, seed: number): Record<string, unknown> {
  const op = parse(query).definitions.find((d) => d.kind === "OperationDefinition");
  const values: Record<string, unknown> = {};
  for (const def of op && op.kind === "OperationDefinition" ? (op.variableDefinitions ?? []) : []) {
    const typeText = query.slice(def.type.loc!.start, def.type.loc!.end).replace(/!/g, "");
    const name = def.variable.name.value;
    if (typeText === "Int") values[name] = 1 + (seed % 5);
    else if (typeText === "Boolean") values[name] = seed % 2 === 0;
    else if (typeText === "ID" || typeText === "String") values[name] = `id${seed % 97}`;
    else if (def.type.kind === "NonNullType") values[name] = typeText === "[ID]" ? [`id${seed % 97}`] : {};
  }
  return values;
}

beforeAll(async () => {
  mocks = await startMockSubgraphs();
  [apollo, engine] = await Promise.all([start("apollo"), start("shopgraph")]);
  const res = await fetch(`${apollo.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: getIntrospectionQuery() }),
  });
  schema = buildClientSchema(((await res.json()) as { data: IntrospectionQuery }).data);
}, 120_000);

afterAll(async () => {
  await Promise.all([apollo?.close(), engine?.close()]);
  await mocks?.close();
});

describe("Shopgraph engine vs @apollo/gateway (byte-identical answers)", () => {
  it("known operations (manifest, operation files, bench) under every fault profile", async () => {
    const cases: Case[] = [];
    knownOperations().forEach((op, i) => {
      for (let profile = 0; profile < PROFILES; profile++)
        cases.push({ name: op.name, query: op.query, variables: variablesFor(op.query, i + profile), profile });
    });
    const mismatches = await compare(cases);
    expect(mismatches.length, report(mismatches)).toBe(0);
    expect(cases.length).toBeGreaterThan(50);
    // A corpus of rejections would prove nothing: most answers carry data, many carry errors.
    expect(mismatches.withData).toBeGreaterThan(cases.length * 0.5);
    expect(mismatches.withErrors).toBeGreaterThan(cases.length * 0.2);
  }, 120_000);

  it(`${GENERATED} generated operations over the supergraph, faults injected`, async () => {
    const cases: Case[] = [];
    let invalid = 0;
    for (let seed = 1; cases.length < GENERATED; seed++) {
      const op = generateOperation(schema, seed);
      if (validate(schema, parse(op.query)).length > 0) {
        invalid++;
        continue;
      }
      cases.push({ name: `generated #${seed}`, query: op.query, variables: op.variables, profile: seed % PROFILES });
    }
    const mismatches = await compare(cases);
    expect(mismatches.length, report(mismatches)).toBe(0);
    expect(mismatches.withData).toBeGreaterThan(cases.length * 0.5);
    expect(mismatches.withErrors).toBeGreaterThan(cases.length * 0.2);
    // The generator must mostly produce valid operations, or the corpus is thinner than it says.
    expect(invalid).toBeLessThan(GENERATED);
  }, 240_000);

  it("the engine actually answers (not a fallback to Apollo's executor) and subgraphs are reached", async () => {
    const before = Object.values(mocks.subgraphs).reduce((n, s) => n + s.requests, 0);
    const executed = engineCounters.engine;
    const answer = await send(engine, { name: "heavy", query: HEAVY_QUERY, profile: 0 }, "probe");
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).data.orders).toBeDefined();
    expect(Object.values(mocks.subgraphs).reduce((n, s) => n + s.requests, 0)).toBeGreaterThan(before + 1);
    expect(engineCounters.engine).toBe(executed + 1);
    // Over the whole corpus, Apollo's executor ran only what the engine leaves to it (none in this schema).
    expect(engineCounters.apollo).toBe(0);
  });
});
