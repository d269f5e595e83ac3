import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRevocations, type RunningRevocations } from "@shopgraph/auth";
import { gql, provisionRedis, testLogger, type TestRedis } from "@shopgraph/testing";
import { startTestUsers } from "./harness.ts";

// The contract has no "sign out everywhere" mutation (and public API fields are not added without
// one), so operators get a command; issue #13 finding 2 still wants the path tested end to end.
const CLI = fileURLToPath(new URL("../src/cli/sign-out-everywhere.ts", import.meta.url));
const SESSION = "session { accessToken refreshToken user { id } } userErrors { code }";

let redis: TestRedis;
let users: Awaited<ReturnType<typeof startTestUsers>>;
let otherProcess: RunningRevocations;
beforeAll(async () => {
  redis = await provisionRedis();
  if (!redis.url) throw new Error("this test needs Redis (TEST_REDIS_URL)");
  users = await startTestUsers({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix });
  // Stands for the gateway or another subgraph: a reader of the same Redis.
  otherProcess = await startRevocations(
    { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix, REVOCATION_POLL_MS: 1_000 },
    { role: "reader", logger: testLogger("reader") },
  );
});
afterAll(async () => {
  await otherProcess?.stop();
  await users?.close();
  await redis?.cleanup();
});

function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "test",
        DATABASE_URL: users.config.DATABASE_URL!,
        REDIS_URL: redis.url!,
        REDIS_KEY_PREFIX: redis.prefix,
        DATA_DIR: users.config.DATA_DIR,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const register = async (email: string, password: string) => {
  const res = await gql(users.graphqlUrl, `mutation($i: RegisterInput!) { register(input: $i) { ${SESSION} } }`, {
    variables: { i: { email, password, name: "Device Owner" } },
  });
  return res.data?.register.session as { accessToken: string; refreshToken: string; user: { id: string } };
};
const me = async (token: string) => {
  const res = await gql(users.graphqlUrl, "{ me { id } }", { token });
  return { status: res.status, id: res.data?.me?.id ?? null, reason: res.errors?.[0]?.extensions?.reason ?? null };
};

describe("sign-out-everywhere CLI", () => {
  it("revokes every session and access token of the user, in the users process and every other one", async () => {
    const email = `lost-phone-${randomUUID()}@example.com`;
    const session = await register(email, `Walnut-Harbor-${randomBytes(5).toString("hex")}-Fjord`);
    const bystander = await register(
      `bystander-${randomUUID()}@example.com`,
      `Copper-Meadow-${randomBytes(5).toString("hex")}-Lark`,
    );
    expect(await me(session.accessToken)).toMatchObject({ status: 200, id: session.user.id });

    const out = await runCli(["--email", email.toUpperCase()]);
    expect(out).toMatchObject({ code: 0, stderr: "" });
    expect(out.stdout).toContain(`signed out everywhere: ${email}`);

    expect(await me(session.accessToken)).toEqual({ status: 401, id: null, reason: "TOKEN_REVOKED" });
    expect(otherProcess.isRevoked({ sub: session.user.id, iatMs: Date.now() - 60_000 })).toBe(true);
    const refresh = await gql(
      users.graphqlUrl,
      `mutation($t: String!) { refreshSession(refreshToken: $t) { ${SESSION} } }`,
      { variables: { t: session.refreshToken } },
    );
    expect(refresh.data?.refreshSession.userErrors).toEqual([
      expect.objectContaining({ code: "INVALID_REFRESH_TOKEN" }),
    ]);
    expect(await me(bystander.accessToken)).toMatchObject({ status: 200, id: bystander.user.id });
  });

  it("refuses unknown users, bad usage and a set-up without Redis, changing nothing", async () => {
    expect(await runCli(["--email", "nobody@example.com"])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("NOT_FOUND"),
    });
    expect((await runCli(["--email", "a@b.c", "--id", randomUUID()])).code).toBe(2);
    const email = `kept-${randomUUID()}@example.com`;
    const session = await register(email, `Saffron-Glacier-${randomBytes(5).toString("hex")}-Heron`);
    const noRedis = await runCli(["--email", email], { REDIS_URL: "" });
    expect(noRedis).toMatchObject({ code: 1, stderr: expect.stringContaining("REDIS_URL") });
    expect(await me(session.accessToken)).toMatchObject({ status: 200, id: session.user.id });
  });
});
