import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt } from "jose";
import { ADMIN_EMAIL, CUSTOMER_EMAIL, DEMO_PASSWORDS, seedCustomer } from "@shopgraph/fixtures";
import { freePort, gql, provisionDatabase, provisionRedis, testLogger, type TestDatabase } from "@shopgraph/testing";
import { startUsersSubgraph, type UsersSubgraph } from "@shopgraph/users-subgraph/src/app.ts";
import { loadUsersConfig } from "@shopgraph/users-subgraph/src/config.ts";
import { authorize, pkce, tokenRequest } from "./oauth-client.ts";

// The authorization server keeps no state in a process (issue #14 §2: no in-memory adapter): two
// users replicas over one database serve alternate steps of one authorization, as a load
// balancer in front of several replicas would send them.
let database: TestDatabase;
let redis: Awaited<ReturnType<typeof provisionRedis>>;
let dataDir: string;
const replicas: UsersSubgraph[] = [];
let issuer: string;

beforeAll(async () => {
  database = await provisionDatabase(
    "users",
    fileURLToPath(new URL("../../../subgraphs/users/prisma/migrations", import.meta.url)),
  );
  redis = await provisionRedis();
  dataDir = await mkdtemp(join(tmpdir(), "sgt-oauth-replicas-"));
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  const env = (extra: Record<string, string>) => ({
    NODE_ENV: "test",
    DATABASE_URL: database.url,
    DATABASE_POOL_MAX: String(database.poolMax),
    // One key set and one cookie key for both, as every replica of a deployment has.
    DATA_DIR: dataDir,
    OAUTH_ISSUER: issuer,
    OAUTH_COOKIE_KEYS: "replica-shared-cookie-key-0123456789abcdef",
    METRICS_PORT: "0",
    ...(redis.url ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix } : {}),
    ...extra,
  });
  // The first replica answers on the issuer's own port (the "public" origin); the second elsewhere.
  replicas.push(
    await startUsersSubgraph(loadUsersConfig(env({ PORT: String(port), SEED: "true" })), {
      logger: testLogger("users-a"),
    }),
  );
  replicas.push(
    await startUsersSubgraph(loadUsersConfig(env({ PORT: "0", SEED: "false" })), { logger: testLogger("users-b") }),
  );
});
afterAll(async () => {
  for (const replica of replicas.reverse()) await replica.close();
  await database?.drop();
  await redis?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("authorization server across replicas", () => {
  it("sign-in, consent, code exchange and refresh succeed with every request on the other replica than the one before", async () => {
    const [a, b] = replicas as [UsersSubgraph, UsersSubgraph];
    const login = await gql(
      `${a.url}/graphql`,
      "mutation($i: LoginInput!) { login(input: $i) { session { accessToken } } }",
      { variables: { i: { email: ADMIN_EMAIL, password: DEMO_PASSWORDS.admin } } },
    );
    const registered = await gql(
      `${b.url}/graphql`,
      "mutation($i: RegisterAppInput!) { registerApp(input: $i) { app { clientId } } }",
      {
        variables: {
          i: { name: "Replicated", type: "PUBLIC", redirectUris: ["https://app.example/cb"], scopes: ["read_orders"] },
        },
        token: login.data!.login.session.accessToken,
      },
    );
    const clientId = registered.data!.registerApp.app.clientId as string;
    const { verifier, challenge } = pkce();
    const served: string[] = [];
    const via = (n: number) => {
      const target = n % 2 === 0 ? a.url : b.url;
      served.push(target);
      return target;
    };
    const { redirect } = await authorize({
      origin: issuer,
      clientId,
      redirectUri: "https://app.example/cb",
      scope: "read_orders offline_access",
      email: CUSTOMER_EMAIL,
      password: DEMO_PASSWORDS.customer,
      challenge,
      via,
    });
    expect(new Set(served).size).toBe(2);
    expect(served.length).toBeGreaterThanOrEqual(6);
    const code = redirect.searchParams.get("code")!;
    const token = await tokenRequest(b.url, {
      grant_type: "authorization_code",
      code,
      redirect_uri: "https://app.example/cb",
      client_id: clientId,
      code_verifier: verifier,
    });
    expect(token.status, JSON.stringify(token.body)).toBe(200);
    expect(decodeJwt(token.body.access_token!)).toMatchObject({
      iss: issuer,
      sub: seedCustomer.id,
      scope: "read_orders",
    });
    const refreshed = await tokenRequest(a.url, {
      grant_type: "refresh_token",
      refresh_token: token.body.refresh_token!,
      client_id: clientId,
    });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    const me = await gql(`${b.url}/graphql`, "{ me { id } }", { token: refreshed.body.access_token! });
    expect(me.data!.me).toEqual({ id: seedCustomer.id });
    // The code was consumed in the shared store: the other replica refuses it, and (RFC 6749 §4.1.2)
    // the replay revokes what it had issued, the rotated refresh token included.
    const replay = await tokenRequest(a.url, {
      grant_type: "authorization_code",
      code,
      redirect_uri: "https://app.example/cb",
      client_id: clientId,
      code_verifier: verifier,
    });
    expect(replay).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    const after = await tokenRequest(b.url, {
      grant_type: "refresh_token",
      refresh_token: refreshed.body.refresh_token!,
      client_id: clientId,
    });
    expect(after).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });
});
