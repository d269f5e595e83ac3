import { describe, expect, it } from "vitest";
import { ConfigError } from "@shopgraph/config";
import { DEFAULT_JWKS_URL, DEFAULT_STOREFRONT_URL, loadNotificationsConfig } from "../src/config.ts";
import { consumerConcurrency } from "../src/event-consumer.ts";

describe("notifications config", () => {
  it("has the documented defaults", () => {
    const config = loadNotificationsConfig({});
    expect(config).toMatchObject({
      PORT: 4004,
      JWKS_URL: DEFAULT_JWKS_URL,
      EVENTS_MAX_ATTEMPTS: 5,
      EVENTS_RETRY_BASE_MS: 1_000,
      EVENTS_CLAIM_IDLE_MS: 30_000,
      EVENTS_POLL_MS: 1_000,
      DELIVERY_MAX_ATTEMPTS: 5,
      DELIVERY_RETRY_BASE_MS: 60_000,
      SEED: true,
    });
    expect(config.REDIS_URL).toBeUndefined();
    expect(config.SMTP_URL).toBeUndefined();
  });

  const issuesOf = (env: Record<string, string>): string => {
    try {
      loadNotificationsConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.issues.join("\n");
      throw error;
    }
    return "";
  };

  it("rejects out-of-range numbers, all of them at once", () => {
    const issues = issuesOf({ EVENTS_MAX_ATTEMPTS: "0", DELIVERY_MAX_ATTEMPTS: "many", EVENTS_CLAIM_IDLE_MS: "5" });
    for (const name of ["EVENTS_MAX_ATTEMPTS", "DELIVERY_MAX_ATTEMPTS", "EVENTS_CLAIM_IDLE_MS"])
      expect(issues).toContain(name);
  });

  it("bounds EVENTS_CONSUMER_CONCURRENCY (1-64, default 4) and leaves the pool a connection", () => {
    expect(loadNotificationsConfig({}).EVENTS_CONSUMER_CONCURRENCY).toBe(4);
    for (const value of ["0", "65", "two"])
      expect(issuesOf({ EVENTS_CONSUMER_CONCURRENCY: value })).toContain("EVENTS_CONSUMER_CONCURRENCY");
    const url = "postgres://127.0.0.1:5432/notifications";
    const effective = (env: Record<string, string>) => consumerConcurrency(loadNotificationsConfig(env));
    expect(effective({ DATABASE_URL: url, EVENTS_CONSUMER_CONCURRENCY: "8" })).toBe(8);
    expect(effective({ DATABASE_URL: url, EVENTS_CONSUMER_CONCURRENCY: "8", DATABASE_POOL_MAX: "5" })).toBe(4);
    expect(effective({ DATABASE_URL: url, DATABASE_POOL_MAX: "1" })).toBe(1);
    // The embedded database serves one connection.
    expect(effective({ EVENTS_CONSUMER_CONCURRENCY: "8" })).toBe(1);
  });

  it("requires JWKS_URL and SERVICE_TOKEN in production", () => {
    const issues = issuesOf({ NODE_ENV: "production", SMTP_URL: "smtp://mail.example.com:587" });
    for (const name of ["JWKS_URL", "SERVICE_TOKEN"]) expect(issues).toContain(name);
    expect(issues).not.toContain("SMTP_URL");
  });

  it.each(["smtp://mail.example.com:587", "smtps://user:secret@mail.example.com:465", "smtp://127.0.0.1:2525"])(
    "accepts SMTP_URL %s",
    (url) => {
      expect(loadNotificationsConfig({ SMTP_URL: url }).SMTP_URL).toBe(url);
    },
  );

  it.each(["http://mail.example.com", "mail.example.com:587", "redis://127.0.0.1:6379", "smtp//missing-colon"])(
    "rejects SMTP_URL %j",
    (url) => {
      expect(issuesOf({ SMTP_URL: url })).toContain("SMTP_URL");
    },
  );

  it("treats an empty SMTP_URL as unset (compose passes ${SMTP_URL:-})", () => {
    expect(loadNotificationsConfig({ SMTP_URL: "" }).SMTP_URL).toBeUndefined();
  });

  it("links to STOREFRONT_URL without a trailing slash, http(s) only", () => {
    expect(loadNotificationsConfig({}).STOREFRONT_URL).toBe(DEFAULT_STOREFRONT_URL);
    expect(loadNotificationsConfig({ STOREFRONT_URL: "https://shop.example.com/" }).STOREFRONT_URL).toBe(
      "https://shop.example.com",
    );
    expect(issuesOf({ STOREFRONT_URL: "ftp://shop.example.com" })).toContain("STOREFRONT_URL");
    expect(issuesOf({ STOREFRONT_URL: "not a url" })).toContain("STOREFRONT_URL");
  });
});
