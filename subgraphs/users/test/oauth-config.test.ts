import { describe, expect, it } from "vitest";
import { ConfigError } from "@shopgraph/config";
import { DEV_OAUTH_COOKIE_KEY, loadUsersConfig } from "../src/config.ts";

// The authorization server's cookie keys sign its sessions and key the consent form's CSRF tokens (issue #14 §2).
function issuesOf(env: Record<string, string>): string[] {
  try {
    loadUsersConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues;
  }
}

const production = {
  NODE_ENV: "production",
  JWT_PRIVATE_KEYS: "[{}]",
  SERVICE_TOKEN: "s".repeat(40),
  GATEWAY_TOKEN: "g".repeat(40),
};

describe("OAUTH_COOKIE_KEYS", () => {
  it("is required in production, and the development default is refused there", () => {
    expect(issuesOf(production).filter((i) => i.startsWith("OAUTH_COOKIE_KEYS"))).toEqual([
      "OAUTH_COOKIE_KEYS: required in production",
    ]);
    expect(
      issuesOf({ ...production, OAUTH_COOKIE_KEYS: DEV_OAUTH_COOKIE_KEY }).filter((i) =>
        i.startsWith("OAUTH_COOKIE_KEYS"),
      ),
    ).toEqual(["OAUTH_COOKIE_KEYS: the development default must not be used in production"]);
    expect(
      issuesOf({ ...production, OAUTH_COOKIE_KEYS: "k".repeat(32) }).filter((i) => i.startsWith("OAUTH_COOKIE_KEYS")),
    ).toEqual([]);
  });

  it("takes current,previous keys of at least 32 characters each", () => {
    expect(
      loadUsersConfig({ NODE_ENV: "test", OAUTH_COOKIE_KEYS: `${"a".repeat(32)},${"b".repeat(32)}` }).OAUTH_COOKIE_KEYS,
    ).toEqual(["a".repeat(32), "b".repeat(32)]);
    expect(issuesOf({ NODE_ENV: "test", OAUTH_COOKIE_KEYS: "short" })).toEqual([
      "OAUTH_COOKIE_KEYS: OAUTH_COOKIE_KEYS must be at least 32 characters (each, if a comma list)",
    ]);
  });
});
