import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../../gateway/src/config.ts";
import { loadNotificationsConfig } from "../../subgraphs/notifications/src/config.ts";
import { loadOrdersConfig } from "../../subgraphs/orders/src/config.ts";
import { loadProductsConfig } from "../../subgraphs/products/src/config.ts";
import { loadUsersConfig } from "../../subgraphs/users/src/config.ts";
import { documentedVariables, editDistance, findVariableTypos } from "../lib/env-typos.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const gateway = Object.keys(loadGatewayConfig({ NODE_ENV: "development" }));
const known = documentedVariables(readFileSync(resolve(ROOT, ".env.example"), "utf8"));

describe("editDistance", () => {
  it("counts an adjacent swap as one edit", () => {
    expect(editDistance("MAX_DEPHT", "MAX_DEPTH")).toBe(1);
    expect(editDistance("RATELIMIT_ENABLED", "RATE_LIMIT_ENABLED")).toBe(1);
    expect(editDistance("HOME", "HOST")).toBe(2);
    expect(editDistance("", "PORT")).toBe(4);
  });
});

describe("findVariableTypos", () => {
  it("names a misspelled gateway variable and the one it resembles", () => {
    expect(findVariableTypos({ MAX_DEPHT: "3", SUBGRAPH_TIMOUT_MS: "1" }, gateway, known)).toEqual([
      "MAX_DEPHT is not a variable of the gateway or any service; did you mean MAX_DEPTH?",
      "SUBGRAPH_TIMOUT_MS is not a variable of the gateway or any service; did you mean SUBGRAPH_TIMEOUT_MS?",
    ]);
  });

  it("leaves the shell's own variables, lower-case names and far-off names alone", () => {
    const shell = {
      HOME: "/root",
      HOSTNAME: "box",
      PATH: "/bin",
      PWD: "/",
      TERM: "xterm",
      LANG: "C",
      SHLVL: "1",
      npm_config_x: "1",
      MY_APP_FLAG: "1",
    };
    expect(findVariableTypos(shell, gateway, known)).toEqual([]);
  });

  it("never reports a variable of another Shopgraph process (every subgraph config's, the supervisor's)", () => {
    const env: NodeJS.ProcessEnv = {};
    for (const config of [
      loadUsersConfig({}),
      loadProductsConfig({}),
      loadOrdersConfig({}),
      loadNotificationsConfig({}),
    ]) {
      for (const name of Object.keys(config)) env[name] = "x";
    }
    for (const name of known) env[name] = "x";
    expect(Object.keys(env).length).toBeGreaterThan(gateway.length);
    expect(findVariableTypos(env, gateway, known)).toEqual([]);
  });
});
