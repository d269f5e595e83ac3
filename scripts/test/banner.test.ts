import { describe, expect, it } from "vitest";
import { DEFAULT_PORTS } from "../lib/processes.ts";
import { describeDatabases, describeRedis, formatBanner, isSeeding, redactUrl, seedProblem } from "../lib/banner.ts";

describe("formatBanner", () => {
  it("shows the gateway URL, the demo accounts, the elapsed time and the embedded mode", () => {
    const banner = formatBanner({ ports: { ...DEFAULT_PORTS, gateway: 4100 }, elapsedMs: 12_345, env: {} });
    expect(banner).toContain("http://localhost:4100/graphql");
    expect(banner).toContain("Apollo Sandbox");
    expect(banner).toContain("admin@shopgraph.dev / admin-password-123");
    expect(banner).toContain("customer@shopgraph.dev / customer-password-123");
    expect(banner).toContain("ready in 12.3 s");
    expect(banner).toContain("embedded PostgreSQL (PGlite) in .data/");
    expect(banner).toContain("in-process cache/rate limits");
  });

  it("does not promise demo accounts or Sandbox when they are off", () => {
    const banner = formatBanner({ ports: DEFAULT_PORTS, elapsedMs: 1000, env: { NODE_ENV: "production" } });
    expect(banner).not.toContain("admin-password-123");
    expect(banner).not.toContain("Sandbox");
    expect(banner).toContain("never seeded in production");
  });

  it("does not promise demo accounts in production even with SEED=true (the subgraphs refuse to seed there)", () => {
    const banner = formatBanner({
      ports: DEFAULT_PORTS,
      elapsedMs: 1000,
      env: { NODE_ENV: "production", SEED: "true" },
    });
    expect(banner).not.toContain("admin-password-123");
    expect(banner).toContain("never seeded in production");
  });

  it("says SEED is off in development with SEED=false", () => {
    expect(formatBanner({ ports: DEFAULT_PORTS, elapsedMs: 1000, env: { SEED: "false" } })).toContain("SEED is off");
  });
});

describe("isSeeding", () => {
  it("follows SEED, else seeds only in development", () => {
    expect(isSeeding({})).toBe(true);
    expect(isSeeding({ NODE_ENV: "test" })).toBe(false);
    expect(isSeeding({ NODE_ENV: "production", SEED: "true" })).toBe(false);
    expect(isSeeding({ NODE_ENV: "test", SEED: "true" })).toBe(true);
    expect(isSeeding({ SEED: "false" })).toBe(false);
    expect(isSeeding({ SEED: "0" })).toBe(false);
  });
});

describe("seedProblem", () => {
  it("refuses SEED=true in production before anything starts, and nothing else", () => {
    expect(seedProblem({ NODE_ENV: "production", SEED: "true" })).toMatch(/SEED=true is refused in production/);
    expect(seedProblem({ NODE_ENV: "production", SEED: "1" })).toMatch(/create-admin\.ts/);
    expect(seedProblem({ NODE_ENV: "production" })).toBeUndefined();
    expect(seedProblem({ NODE_ENV: "production", SEED: "false" })).toBeUndefined();
    expect(seedProblem({ SEED: "true" })).toBeUndefined();
  });
});

describe("describeDatabases / describeRedis", () => {
  it("names embedded, external and mixed databases", () => {
    expect(describeDatabases({ DATA_DIR: "/var/sg" })).toBe("embedded PostgreSQL (PGlite) in /var/sg/");
    const all = {
      USERS_DATABASE_URL: "a",
      PRODUCTS_DATABASE_URL: "b",
      ORDERS_DATABASE_URL: "c",
      NOTIFICATIONS_DATABASE_URL: "d",
    };
    expect(describeDatabases(all)).toMatch(/^PostgreSQL/);
    expect(describeDatabases({ USERS_DATABASE_URL: "a" })).toBe(
      "PostgreSQL for users; embedded PGlite in .data/ for products, orders, notifications",
    );
  });

  it("never prints a Redis password", () => {
    expect(describeRedis({ REDIS_URL: "redis://:s3cret@cache:6379/0" })).toBe("Redis at redis://:***@cache:6379/0");
    expect(redactUrl("not a url")).toBe("(unparseable URL)");
  });
});
