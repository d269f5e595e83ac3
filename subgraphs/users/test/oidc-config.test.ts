import { describe, expect, it } from "vitest";
import { ConfigError } from "@shopgraph/config";
import { loadUsersConfig } from "../src/config.ts";

// OIDC_* are validated at start-up with every problem named (issue #14 §1).
const google = {
  id: "google",
  name: "Google",
  issuer: "https://accounts.google.com",
  clientId: "c",
  clientSecret: "s",
};
const REDIRECT = { OIDC_REDIRECT_URIS: "https://shop.example/auth/callback" };

function issuesOf(env: Record<string, string>): string[] {
  try {
    loadUsersConfig({ NODE_ENV: "test", ...env });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues;
  }
}

describe("OIDC configuration", () => {
  it("parses providers with their defaults; unset means no social login", () => {
    const config = loadUsersConfig({ NODE_ENV: "test", OIDC_PROVIDERS: JSON.stringify([google]), ...REDIRECT });
    expect(config.OIDC_PROVIDERS).toEqual([{ ...google, scope: "openid email profile", authorizationParams: {} }]);
    expect(config.OIDC_REDIRECT_URIS).toEqual(["https://shop.example/auth/callback"]);
    expect([config.OIDC_HTTP_TIMEOUT_MS, config.OIDC_FLOW_TTL_SECONDS]).toEqual([5000, 600]);
    expect(loadUsersConfig({ NODE_ENV: "test" }).OIDC_PROVIDERS).toEqual([]);
  });

  it.each([
    ["not JSON", "[{", "OIDC_PROVIDERS: must be a JSON list"],
    ["a missing field", JSON.stringify([{ ...google, clientSecret: undefined }]), "OIDC_PROVIDERS.0.clientSecret:"],
    ["an unknown field", JSON.stringify([{ ...google, secret: "x" }]), "OIDC_PROVIDERS.0:"],
    ["a bad id", JSON.stringify([{ ...google, id: "Google Login" }]), "OIDC_PROVIDERS.0.id: must be 1–32 lowercase"],
    ["a duplicate id", JSON.stringify([google, google]), 'OIDC_PROVIDERS.1.id: duplicate provider id "google"'],
    [
      "a non-URL issuer",
      JSON.stringify([{ ...google, issuer: "accounts.google.com" }]),
      "OIDC_PROVIDERS.0.issuer: must be an http(s) URL",
    ],
    [
      "an http issuer off loopback",
      JSON.stringify([{ ...google, issuer: "http://idp.example" }]),
      "OIDC_PROVIDERS.0.issuer: must be https",
    ],
    [
      "a scope without openid",
      JSON.stringify([{ ...google, scope: "email" }]),
      "OIDC_PROVIDERS.0.scope: must include openid",
    ],
    [
      "a parameter the flow sets itself",
      JSON.stringify([{ ...google, authorizationParams: { state: "fixed" } }]),
      "OIDC_PROVIDERS.0.authorizationParams: must not set state",
    ],
  ])("refuses %s with a message naming the entry and field", (_name, value, expected) => {
    expect(issuesOf({ OIDC_PROVIDERS: value, ...REDIRECT })).toContainEqual(expect.stringContaining(expected));
  });

  it("needs redirect URIs with providers, absolute and without query or fragment", () => {
    expect(issuesOf({ OIDC_PROVIDERS: JSON.stringify([google]) })).toContainEqual(
      "OIDC_REDIRECT_URIS: required when OIDC_PROVIDERS is set",
    );
    for (const uri of ["/auth/callback", "https://shop.example/cb?x=1", "https://shop.example/cb#f"]) {
      expect(issuesOf({ OIDC_PROVIDERS: JSON.stringify([google]), OIDC_REDIRECT_URIS: uri })).toContainEqual(
        expect.stringContaining(`OIDC_REDIRECT_URIS: "${uri}" is not an absolute URL`),
      );
    }
  });

  it("accepts a loopback http issuer outside production only", () => {
    const local = JSON.stringify([{ ...google, issuer: "http://127.0.0.1:8080" }]);
    expect(issuesOf({ OIDC_PROVIDERS: local, ...REDIRECT })).toEqual([]);
    expect(issuesOf({ NODE_ENV: "production", OIDC_PROVIDERS: local, ...REDIRECT })).toContainEqual(
      expect.stringContaining("OIDC_PROVIDERS.0.issuer: must be https"),
    );
  });

  it("bounds the timeouts", () => {
    expect(issuesOf({ OIDC_HTTP_TIMEOUT_MS: "10" })).toContainEqual(expect.stringContaining("OIDC_HTTP_TIMEOUT_MS"));
    expect(issuesOf({ OIDC_FLOW_TTL_SECONDS: "5" })).toContainEqual(expect.stringContaining("OIDC_FLOW_TTL_SECONDS"));
  });
});
