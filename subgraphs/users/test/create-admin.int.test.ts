import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql, provisionDatabase, testLogger, type TestDatabase } from "@shopgraph/testing";
import { startUsersSubgraph } from "../src/app.ts";
import { loadUsersConfig } from "../src/config.ts";
import { loadNotificationsConfig } from "../../notifications/src/config.ts";
import { loadOrdersConfig } from "../../orders/src/config.ts";
import { loadProductsConfig } from "../../products/src/config.ts";
import { USERS_MIGRATIONS } from "./harness.ts";

// Issue #13 finding 11: production never seeds, so operators create the first ADMIN with a CLI.
const CLI = fileURLToPath(new URL("../src/cli/create-admin.ts", import.meta.url));
const PASSWORD = "granite-lantern-orbit-93";

let database: TestDatabase;
let dataDir: string;
beforeAll(async () => {
  // A fresh database with no users at all: the state of a production install that never seeded.
  database = await provisionDatabase("users_cli", USERS_MIGRATIONS);
  dataDir = await mkdtemp(join(tmpdir(), "sgt-users-cli-"));
});
afterAll(async () => {
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs the CLI as an operator would, with the password on stdin (or ADMIN_PASSWORD in env). */
function runCli(args: string[], stdin: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "test",
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        LOG_LEVEL: "warn",
        ...env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe("create-admin CLI", () => {
  it("creates an ADMIN that can sign in with role ADMIN", async () => {
    const run = await runCli(["--email", "Ops@Example.com", "--name", "Ops Admin"], `${PASSWORD}\n`);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^created ADMIN ops@example\.com \(id [0-9a-f-]{36}\)\n$/);

    const env = {
      NODE_ENV: "test",
      PORT: "0",
      DATABASE_URL: database.url,
      DATABASE_POOL_MAX: String(database.poolMax),
      DATA_DIR: dataDir,
    };
    const config = loadUsersConfig({ ...env, SEED: "false" });
    const users = await startUsersSubgraph(config, { logger: testLogger("users") });
    try {
      const mutation =
        "mutation($i: LoginInput!) { login(input: $i) { session { accessToken user { email role } } userErrors { code } } }";
      const login = await gql(`${users.url}/graphql`, mutation, {
        variables: { i: { email: "ops@example.com", password: PASSWORD } },
      });
      expect(login.data?.login.userErrors).toEqual([]);
      expect(login.data?.login.session.user).toEqual({ email: "ops@example.com", role: "ADMIN" });
      // The token carries ADMIN: an admin-only query works.
      const token = login.data?.login.session.accessToken as string;
      const list = await gql(`${users.url}/graphql`, "{ users(first: 5) { totalCount } }", { token });
      expect(list.data?.users.totalCount).toBe(1);
      const registered = await users.db.outboxEvent.findMany({ where: { type: "user.registered" } });
      expect(registered.map((e) => (e.payload as { role: string }).role)).toEqual(["ADMIN"]);
    } finally {
      await users.close();
    }
  });

  it("fails cleanly for an existing email (exit 1, no stack trace, nothing changed)", async () => {
    const run = await runCli(["--email", "ops@example.com"], "", { ADMIN_PASSWORD: "another-granite-lantern-11" });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("refused: EMAIL_TAKEN: An account with this email already exists (input.email)\n");
    expect(run.stdout).toBe("");
  });

  it("applies the password policy (weak password: exit 1, nothing created)", async () => {
    const run = await runCli(["--email", "second@example.com"], "password123\n");
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("refused: WEAK_PASSWORD");
    const again = await runCli(["--email", "second@example.com"], `${PASSWORD}\n`);
    expect(again.code).toBe(0);
  });

  it("refuses usage errors with exit 2", async () => {
    expect((await runCli([], "")).code).toBe(2);
    expect((await runCli(["--email", "x@example.com", "--password", "inline-secret-123"], "")).code).toBe(2);
  });
});

describe("seeding in production", () => {
  const loaders = {
    users: loadUsersConfig,
    products: loadProductsConfig,
    orders: loadOrdersConfig,
    notifications: loadNotificationsConfig,
  };
  it.each(Object.entries(loaders))(
    "%s refuses SEED=true with NODE_ENV=production at config validation",
    (_name, load) => {
      expect(() => load({ NODE_ENV: "production", SEED: "true" })).toThrow(
        /SEED: SEED=true is refused in production.*create-admin/,
      );
      expect(() => load({ NODE_ENV: "production", SEED: "false" })).not.toThrow(/SEED/);
      expect(() => load({ NODE_ENV: "development", SEED: "true" })).not.toThrow(/SEED/);
    },
  );
});
