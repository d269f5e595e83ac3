import { describe, expect, it } from "vitest";
import { DEV_CORS_ORIGINS, loadGatewayConfig } from "../src/config.ts";

describe("gateway CORS origins", () => {
  it("allow the usual dev-server origins in development", () => {
    const origins = loadGatewayConfig({ NODE_ENV: "development" }).CORS_ORIGINS;
    for (const origin of [
      "http://localhost:5173",
      "http://127.0.0.1:5173",
      "http://localhost:3000",
      "http://127.0.0.1:3000",
    ])
      expect(origins).toContain(origin);
  });

  it("stay exactly the configured list in production, and when set explicitly", () => {
    const env = {
      NODE_ENV: "production",
      CORS_ORIGINS: "https://shop.example.com",
      GATEWAY_TOKEN: "cors-test-gateway-token-0123456789abcdef",
    } as const;
    expect(loadGatewayConfig(env).CORS_ORIGINS).toEqual(["https://shop.example.com"]);
    expect(loadGatewayConfig({ ...env, NODE_ENV: "development" }).CORS_ORIGINS).toEqual(["https://shop.example.com"]);
    const productionDefault = loadGatewayConfig({
      NODE_ENV: "production",
      GATEWAY_TOKEN: env.GATEWAY_TOKEN,
    }).CORS_ORIGINS;
    for (const origin of DEV_CORS_ORIGINS.filter((o) => o.includes("5173") || o.includes("127.0.0.1")))
      expect(productionDefault).not.toContain(origin);
  });

  it("refuses '*'", () => {
    expect(() => loadGatewayConfig({ CORS_ORIGINS: "*" })).toThrow(/never '\*'/);
  });
});
