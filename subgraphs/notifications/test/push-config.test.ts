import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "@shopgraph/config";
import { loadNotificationsConfig } from "../src/config.ts";

const KEY = {
  type: "service_account",
  project_id: "shop-push",
  private_key_id: "abc123",
  private_key: "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
  client_email: "push@shop-push.iam.gserviceaccount.com",
};
const dir = mkdtempSync(join(tmpdir(), "sg-fcm-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const issuesOf = (env: Record<string, string>): string => {
  try {
    loadNotificationsConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.join("\n");
    throw error;
  }
  return "";
};

describe("push (FCM) config", () => {
  it("has no FCM transport without a service account (pushes are recorded), and the documented defaults", () => {
    const config = loadNotificationsConfig({});
    expect(config.FCM).toBeNull();
    expect(config).toMatchObject({ FCM_TIMEOUT_MS: 10_000, PUSH_MAX_DEVICES_PER_USER: 10 });
  });

  it("reads the key inline, taking the project from it", () => {
    const config = loadNotificationsConfig({ FCM_SERVICE_ACCOUNT_JSON: JSON.stringify(KEY), FCM_TIMEOUT_MS: "2500" });
    expect(config.FCM).toEqual({
      projectId: "shop-push",
      serviceAccount: { client_email: KEY.client_email, private_key: KEY.private_key, private_key_id: "abc123" },
      endpoint: undefined,
      tokenUrl: undefined,
      timeoutMs: 2_500,
    });
  });

  it("reads the key from a file; FCM_PROJECT_ID, FCM_ENDPOINT and FCM_TOKEN_URL override", () => {
    const path = join(dir, "key.json");
    writeFileSync(path, JSON.stringify(KEY));
    const config = loadNotificationsConfig({
      FCM_SERVICE_ACCOUNT_FILE: path,
      FCM_PROJECT_ID: "other",
      FCM_ENDPOINT: "http://127.0.0.1:9/",
      FCM_TOKEN_URL: "http://127.0.0.1:9/token",
    });
    expect(config.FCM).toMatchObject({
      projectId: "other",
      endpoint: "http://127.0.0.1:9/",
      tokenUrl: "http://127.0.0.1:9/token",
    });
  });

  it.each([
    ["not JSON", { FCM_SERVICE_ACCOUNT_JSON: "{nope" }, /FCM_SERVICE_ACCOUNT_JSON: is not JSON/],
    [
      "a key without a private key",
      { FCM_SERVICE_ACCOUNT_JSON: JSON.stringify({ ...KEY, private_key: "secret" }) },
      /FCM_SERVICE_ACCOUNT_JSON: is not a service-account key: private_key/,
    ],
    [
      "a key without client_email",
      { FCM_SERVICE_ACCOUNT_JSON: JSON.stringify({ ...KEY, client_email: undefined }) },
      /client_email/,
    ],
    [
      "an unreadable file",
      { FCM_SERVICE_ACCOUNT_FILE: "/nonexistent/key.json" },
      /FCM_SERVICE_ACCOUNT_FILE: cannot be read: ENOENT/,
    ],
    [
      "both forms at once",
      { FCM_SERVICE_ACCOUNT_JSON: JSON.stringify(KEY), FCM_SERVICE_ACCOUNT_FILE: join(dir, "key.json") },
      /not both/,
    ],
    [
      "a key naming no project, and no FCM_PROJECT_ID",
      { FCM_SERVICE_ACCOUNT_JSON: JSON.stringify({ ...KEY, project_id: undefined }) },
      /FCM_PROJECT_ID: required/,
    ],
    ["a project without a key", { FCM_PROJECT_ID: "shop-push" }, /FCM_PROJECT_ID: needs FCM_SERVICE_ACCOUNT_FILE/],
    ["a token URL that is no URL", { FCM_TOKEN_URL: "token" }, /FCM_TOKEN_URL/],
    ["a device cap of 0", { PUSH_MAX_DEVICES_PER_USER: "0" }, /PUSH_MAX_DEVICES_PER_USER/],
  ])("refuses %s", (_what, env, issue) => {
    writeFileSync(join(dir, "key.json"), JSON.stringify(KEY));
    expect(issuesOf(env)).toMatch(issue);
  });

  it("never echoes the private key in an error", () => {
    const issues = issuesOf({ FCM_SERVICE_ACCOUNT_JSON: JSON.stringify({ ...KEY, client_email: 5 }) });
    expect(issues).toContain("FCM_SERVICE_ACCOUNT_JSON");
    expect(issues).not.toContain("MIIB");
  });
});
