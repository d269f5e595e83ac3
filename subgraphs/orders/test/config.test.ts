import { describe, expect, it } from "vitest";
import type { ConfigError } from "@shopgraph/config";
import { DEV_GATEWAY_TOKEN, DEV_SERVICE_TOKEN } from "@shopgraph/subgraph-kit";
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
    const gateway = { GATEWAY_TOKEN: "g".repeat(48) };
    expect(attempt({ PAYMENT_FAILURE_RATE: "2" })).toEqual([
      expect.stringMatching(/^PAYMENT_FAILURE_RATE/),
      expect.stringMatching(/^SERVICE_TOKEN: required/),
      expect.stringMatching(/^GATEWAY_TOKEN: required/),
    ]);
    expect(attempt({ SERVICE_TOKEN: DEV_SERVICE_TOKEN, ...gateway })).toEqual([
      expect.stringMatching(/^SERVICE_TOKEN: the development default/),
    ]);
    expect(
      attempt({ SERVICE_TOKEN: `${"p".repeat(48)},${DEV_SERVICE_TOKEN}`, GATEWAY_TOKEN: DEV_GATEWAY_TOKEN }),
    ).toEqual([
      expect.stringMatching(/^SERVICE_TOKEN: the development default/),
      expect.stringMatching(/^GATEWAY_TOKEN: the development default/),
    ]);
    // One secret for both would give the gateway the service-only fields.
    expect(attempt({ SERVICE_TOKEN: "p".repeat(48), GATEWAY_TOKEN: `${"q".repeat(48)},${"p".repeat(48)}` })).toEqual([
      expect.stringMatching(/^GATEWAY_TOKEN: must differ/),
    ]);
    expect(attempt({ SERVICE_TOKEN: "p".repeat(31), ...gateway })).toEqual([
      expect.stringMatching(/^SERVICE_TOKEN: .*at least 32/),
    ]);
    expect(attempt({ SERVICE_TOKEN: ["a", "b", "c"].map((c) => c.repeat(32)).join(","), ...gateway })).toEqual([
      expect.stringMatching(/^SERVICE_TOKEN: .*at most two/),
    ]);
    expect(attempt({ SERVICE_TOKEN: "p".repeat(48), ...gateway })).toEqual([]);
  });

  it("sends the first service token and accepts both during a rotation", () => {
    const config = loadOrdersConfig({
      SERVICE_TOKEN: ` ${"n".repeat(40)} , ${"o".repeat(40)} `,
      GATEWAY_TOKEN: "g".repeat(40),
    });
    expect(config.SERVICE_TOKEN).toBe("n".repeat(40));
    expect(config.ACCEPTED_CREDENTIALS).toEqual({
      service: ["n".repeat(40), "o".repeat(40)],
      gateway: ["g".repeat(40)],
    });
    expect(loadOrdersConfig({}).ACCEPTED_CREDENTIALS).toEqual({
      service: [DEV_SERVICE_TOKEN],
      gateway: [DEV_GATEWAY_TOKEN],
    });
  });

  it("refuses a recovery age that could take over sagas still waiting on a call", () => {
    expect(() => loadOrdersConfig({ RECOVERY_AGE_MS: "1000", PRODUCTS_TIMEOUT_MS: "5000" })).toThrow(/RECOVERY_AGE_MS/);
  });

  it("refuses an in-progress wait that the gateway would time out first (the client must get IDEMPOTENCY_KEY_IN_USE)", () => {
    expect(() => loadOrdersConfig({ IDEMPOTENCY_WAIT_MS: "15000" })).toThrow(
      /IDEMPOTENCY_WAIT_MS: must be at most half the gateway's subgraph timeout \(5000 ms\)/,
    );
    expect(() => loadOrdersConfig({ IDEMPOTENCY_WAIT_MS: "8000", GATEWAY_SUBGRAPH_TIMEOUT_MS: "20000" })).not.toThrow();
    expect(loadOrdersConfig({}).IDEMPOTENCY_WAIT_MS).toBe(5_000);
  });
});
