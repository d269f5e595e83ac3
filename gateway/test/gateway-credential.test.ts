import { describe, expect, it } from "vitest";
import type { ConfigError } from "@shopgraph/config";
import { DEV_GATEWAY_TOKEN } from "@shopgraph/auth";
import { loadGatewayConfig } from "../src/config.ts";

const issues = (env: NodeJS.ProcessEnv) => {
  try {
    loadGatewayConfig(env);
    return [];
  } catch (error) {
    return (error as ConfigError).issues;
  }
};

describe("the gateway's subgraph credential (GATEWAY_TOKEN)", () => {
  it("defaults to the development credential outside production", () => {
    expect(loadGatewayConfig({}).GATEWAY_TOKEN).toBe(DEV_GATEWAY_TOKEN);
  });

  it("sends the first of a current,previous list", () => {
    expect(loadGatewayConfig({ GATEWAY_TOKEN: `${"n".repeat(40)},${"o".repeat(40)}` }).GATEWAY_TOKEN).toBe(
      "n".repeat(40),
    );
  });

  it("is required in production, must not be the development default, and is at least 32 characters", () => {
    expect(issues({ NODE_ENV: "production" })).toEqual([
      expect.stringMatching(/^GATEWAY_TOKEN: required in production/),
    ]);
    const devDefault = issues({ NODE_ENV: "production", GATEWAY_TOKEN: DEV_GATEWAY_TOKEN });
    expect(devDefault).toEqual([expect.stringMatching(/^GATEWAY_TOKEN: the development default/)]);
    expect(issues({ GATEWAY_TOKEN: "short" })).toEqual([expect.stringMatching(/^GATEWAY_TOKEN: .*at least 32/)]);
    expect(issues({ NODE_ENV: "production", GATEWAY_TOKEN: "p".repeat(40) })).toEqual([]);
  });
});
