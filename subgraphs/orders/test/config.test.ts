import { describe, expect, it } from "vitest";
import { ConfigError } from "@shopgraph/config";
import { DEV_SERVICE_TOKEN } from "@shopgraph/subgraph-kit";
import { loadOrdersConfig } from "../src/config.ts";

describe("orders config", () => {
  it("defaults for development: port 4003, local products and JWKS, the shared dev service token, no payment faults", () => {
    const config = loadOrdersConfig({});
    expect(config).toMatchObject({
      PORT: 4003,
      PRODUCTS_URL: "http://127.0.0.1:4002/graphql",
      JWKS_URL: "http://127.0.0.1:4001/.well-known/jwks.json",
      SERVICE_TOKEN: DEV_SERVICE_TOKEN,
      PAYMENT_LATENCY_MS: 0,
      PAYMENT_FAILURE_RATE: 0,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("requires a real service token in production and reports every problem at once", () => {
    const attempt = (env: NodeJS.ProcessEnv) => {
      try {
        loadOrdersConfig({ NODE_ENV: "production", ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).issues;
      }
    };
    expect(attempt({ PAYMENT_FAILURE_RATE: "2" })).toEqual([expect.stringMatching(/^PAYMENT_FAILURE_RATE/), expect.stringMatching(/^SERVICE_TOKEN: required/)]);
    expect(attempt({ SERVICE_TOKEN: DEV_SERVICE_TOKEN })).toEqual([expect.stringMatching(/^SERVICE_TOKEN: the development default/)]);
    expect(attempt({ SERVICE_TOKEN: "p".repeat(48) })).toEqual([]);
  });

  it("refuses a recovery age that could take over sagas still waiting on a call", () => {
    expect(() => loadOrdersConfig({ RECOVERY_AGE_MS: "1000", PRODUCTS_TIMEOUT_MS: "5000" })).toThrow(/RECOVERY_AGE_MS/);
  });
});
