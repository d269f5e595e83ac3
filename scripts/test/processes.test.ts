import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import {
  buildStartPlan,
  childNodeFlags,
  connectHost,
  DEFAULT_PORTS,
  DEV_MALLOC_ENV,
  DEV_NODE_FLAGS,
  readPorts,
  SUPERVISOR_NODE_ARGS,
} from "../lib/processes.ts";
import { TELEMETRY_PRELOAD } from "../lib/processes.ts";
import { GATEWAY_MALLOC_ENV, GATEWAY_NODE_FLAGS } from "../../gateway/src/node-flags.ts";

describe("readPorts", () => {
  it("defaults to 4000-4004 and reads <NAME>_PORT overrides", () => {
    expect(readPorts({})).toEqual(DEFAULT_PORTS);
    expect(readPorts({ GATEWAY_PORT: "5000", ORDERS_PORT: " 5003 " })).toMatchObject({
      gateway: 5000,
      orders: 5003,
      users: 4001,
    });
  });

  it("reports every invalid and duplicated port at once", () => {
    expect(() => readPorts({ USERS_PORT: "abc", PRODUCTS_PORT: "0", ORDERS_PORT: "4000" })).toThrow(
      /USERS_PORT=abc is not a port[\s\S]*PRODUCTS_PORT=0 is not a port[\s\S]*port 4000 is given to gateway and orders/,
    );
  });
});

describe("connectHost", () => {
  it("reaches wildcard binds on loopback and specific ones on themselves", () => {
    expect(connectHost(undefined)).toBe("127.0.0.1");
    expect(connectHost("0.0.0.0")).toBe("127.0.0.1");
    expect(connectHost("::")).toBe("127.0.0.1");
    expect(connectHost("192.168.1.5")).toBe("192.168.1.5");
    expect(connectHost("::1")).toBe("[::1]");
  });
});

describe("buildStartPlan", () => {
  const env = { PATH: "/bin", LOG_LEVEL: "debug", USERS_PORT: "5001", PRODUCTS_PORT: "5002", GATEWAY_PORT: "5000" };

  it("starts users first, then the other subgraphs, with their entry points and ports", () => {
    const plan = buildStartPlan(env);
    expect(plan.subgraphs.map((s) => [s.name, s.entry, s.port])).toEqual([
      ["users", "subgraphs/users/src/index.ts", 5001],
      ["products", "subgraphs/products/src/index.ts", 5002],
      ["orders", "subgraphs/orders/src/index.ts", 4003],
      ["notifications", "subgraphs/notifications/src/index.ts", 4004],
    ]);
    expect(plan.gateway).toMatchObject({
      entry: "gateway/src/index.ts",
      port: 5000,
      readyUrl: "http://127.0.0.1:5000/readyz",
    });
  });

  it("preloads OpenTelemetry into every process and names each one's service", () => {
    const plan = buildStartPlan({ ...env, OTEL_SERVICE_NAME: "everything" });
    expect(existsSync(resolve(import.meta.dirname, "../..", TELEMETRY_PRELOAD))).toBe(true);
    for (const spec of plan.subgraphs) {
      expect(spec.args).toEqual([...DEV_NODE_FLAGS, "--import", TELEMETRY_PRELOAD, spec.entry]);
      expect(spec.env.OTEL_SERVICE_NAME).toBe(spec.name);
    }
    // The gateway's heap flags first: the development flags after them win where both set one.
    expect(plan.gateway.args).toEqual([
      ...GATEWAY_NODE_FLAGS,
      ...DEV_NODE_FLAGS,
      "--import",
      TELEMETRY_PRELOAD,
      plan.gateway.entry,
    ]);
    expect(plan.gateway.env.OTEL_SERVICE_NAME).toBe("gateway");
  });

  it("starts the gateway with its heap flags in production too, and only the gateway", () => {
    const plan = buildStartPlan({ ...env, NODE_ENV: "production" });
    expect(GATEWAY_NODE_FLAGS.length).toBeGreaterThan(0);
    expect(plan.gateway.args).toEqual([...GATEWAY_NODE_FLAGS, "--import", TELEMETRY_PRELOAD, plan.gateway.entry]);
    for (const spec of plan.subgraphs) expect(spec.args).toEqual(["--import", TELEMETRY_PRELOAD, spec.entry]);
  });

  it("gives every child the development Node flags, none in production, START_NODE_FLAGS when set", () => {
    expect(DEV_NODE_FLAGS).toContain("--liftoff-only");
    expect(childNodeFlags({})).toEqual(DEV_NODE_FLAGS);
    expect(childNodeFlags({ NODE_ENV: "production" })).toEqual([]);
    expect(childNodeFlags({ START_NODE_FLAGS: "" })).toEqual([]);
    expect(
      childNodeFlags({ NODE_ENV: "production", START_NODE_FLAGS: " --max-old-space-size=512  --optimize-for-size " }),
    ).toEqual(["--max-old-space-size=512", "--optimize-for-size"]);
    const cached = buildStartPlan(env, { compileCacheDir: "/data/compile-cache" });
    expect(cached.gateway.env.NODE_COMPILE_CACHE).toBe("/data/compile-cache");
    expect(
      buildStartPlan({ ...env, NODE_COMPILE_CACHE: "/mine" }, { compileCacheDir: "/data/cc" }).gateway.env
        .NODE_COMPILE_CACHE,
    ).toBe("/mine");
    const plan = buildStartPlan({ ...env, START_NODE_FLAGS: "--trace-warnings" });
    expect(plan.gateway.args).toEqual([
      ...GATEWAY_NODE_FLAGS,
      "--trace-warnings",
      "--import",
      TELEMETRY_PRELOAD,
      plan.gateway.entry,
    ]);
  });

  it("gives every child the development malloc settings, in production only the gateway its own, the caller's own when set", () => {
    const plan = buildStartPlan(env);
    for (const spec of [...plan.subgraphs, plan.gateway]) expect(spec.env).toMatchObject(DEV_MALLOC_ENV);
    const production = buildStartPlan({ ...env, NODE_ENV: "production" });
    for (const spec of production.subgraphs) {
      expect(spec.env.MALLOC_ARENA_MAX).toBeUndefined();
      expect(spec.env.MALLOC_MMAP_THRESHOLD_).toBeUndefined();
    }
    expect(production.gateway.env).toMatchObject(GATEWAY_MALLOC_ENV);
    expect(buildStartPlan({ ...env, MALLOC_ARENA_MAX: "4" }).gateway.env.MALLOC_ARENA_MAX).toBe("4");
    expect(buildStartPlan({ ...env, NODE_ENV: "production", MALLOC_ARENA_MAX: "4" }).gateway.env.MALLOC_ARENA_MAX).toBe(
      "4",
    );
  });

  it("passes the environment through and sets each child's PORT", () => {
    const plan = buildStartPlan(env);
    for (const spec of [...plan.subgraphs, plan.gateway]) {
      expect(spec.env).toMatchObject({
        PATH: "/bin",
        LOG_LEVEL: "debug",
        PORT: String(spec.port),
        APOLLO_TELEMETRY_DISABLED: "true",
      });
    }
  });

  it("gives each child its own metrics port next to its PORT (never one shared METRICS_PORT)", () => {
    const plan = buildStartPlan({ ...env, METRICS_PORT: "9999" });
    const metrics = [...plan.subgraphs, plan.gateway].map((spec) => [spec.name, spec.env.METRICS_PORT]);
    expect(metrics).toEqual([
      ["users", "10401"],
      ["products", "10402"],
      ["orders", "9403"],
      ["notifications", "9404"],
      ["gateway", "10400"],
    ]);
  });

  it("points the URLs between processes at the chosen ports", () => {
    const plan = buildStartPlan(env);
    const byName = Object.fromEntries(plan.subgraphs.map((s) => [s.name, s.env]));
    expect(byName.users?.JWKS_URL).toBeUndefined();
    for (const name of ["products", "orders", "notifications"])
      expect(byName[name]?.JWKS_URL).toBe("http://127.0.0.1:5001/.well-known/jwks.json");
    expect(byName.orders?.PRODUCTS_URL).toBe("http://127.0.0.1:5002/graphql");
    expect(plan.gateway.env).toMatchObject({
      JWKS_URL: "http://127.0.0.1:5001/.well-known/jwks.json",
      USERS_URL: "http://127.0.0.1:5001/graphql",
      PRODUCTS_URL: "http://127.0.0.1:5002/graphql",
      ORDERS_URL: "http://127.0.0.1:4003/graphql",
      NOTIFICATIONS_URL: "http://127.0.0.1:4004/graphql",
    });
  });

  it("pushes embedded-mode events to this stack's notifications, whatever its port", () => {
    const plan = buildStartPlan({ NOTIFICATIONS_PORT: "4204" });
    const byName = Object.fromEntries(plan.subgraphs.map((s) => [s.name, s.env]));
    for (const name of ["users", "products", "orders"])
      expect(byName[name]?.EVENTS_PUSH_URLS).toBe("http://127.0.0.1:4204/events");
    expect(byName.notifications?.EVENTS_PUSH_URLS).toBeUndefined();
    expect(buildStartPlan({ EVENTS_PUSH_URLS: "http://x/events" }).subgraphs[0]?.env.EVENTS_PUSH_URLS).toBe(
      "http://x/events",
    );
  });

  it("pushes embedded-mode live events from every subgraph to this stack's gateway, whatever its port", () => {
    const plan = buildStartPlan({ GATEWAY_PORT: "4200" });
    for (const spec of plan.subgraphs)
      expect(spec.env.LIVE_EVENTS_URLS).toBe("http://127.0.0.1:4200/internal/live-events");
    expect(plan.gateway.env.LIVE_EVENTS_URLS).toBeUndefined();
    const configured = buildStartPlan({ LIVE_EVENTS_URLS: "http://x/internal/live-events" });
    expect(configured.subgraphs.map((s) => s.env.LIVE_EVENTS_URLS)).toEqual(
      Array(4).fill("http://x/internal/live-events"),
    );
  });

  it("gives every process the OAuth issuer of this stack's gateway origin, unless OAUTH_ISSUER is set", () => {
    const plan = buildStartPlan({ GATEWAY_PORT: "4200" });
    for (const spec of [...plan.subgraphs, plan.gateway]) expect(spec.env.OAUTH_ISSUER).toBe("http://localhost:4200");
    expect(buildStartPlan({}).gateway.env.OAUTH_ISSUER).toBe("http://localhost:4000");
    expect(buildStartPlan({ HOST: "192.168.1.5" }).gateway.env.OAUTH_ISSUER).toBe("http://192.168.1.5:4000");
    expect(buildStartPlan({ OAUTH_ISSUER: "https://shop.example.com" }).gateway.env.OAUTH_ISSUER).toBe(
      "https://shop.example.com",
    );
  });

  it("gives every subgraph the checkout's service token unless SERVICE_TOKEN is set, and the gateway none", () => {
    const token = "t".repeat(40);
    const plan = buildStartPlan({}, { serviceToken: token });
    for (const spec of plan.subgraphs) expect(spec.env.SERVICE_TOKEN).toBe(token);
    expect(plan.gateway.env.SERVICE_TOKEN).toBeUndefined();
    const own = buildStartPlan({ SERVICE_TOKEN: "o".repeat(40) }, { serviceToken: token });
    for (const spec of [...own.subgraphs, own.gateway]) expect(spec.env.SERVICE_TOKEN).toBe("o".repeat(40));
  });

  it("derives the checkout's gateway credential from it: the same in all five processes, not the service token", () => {
    const plan = buildStartPlan({}, { serviceToken: "t".repeat(40) });
    const gatewayToken = plan.gateway.env.GATEWAY_TOKEN;
    expect(gatewayToken).toMatch(/^dev-gw-.{40,}$/);
    for (const spec of plan.subgraphs) expect(spec.env.GATEWAY_TOKEN).toBe(gatewayToken);
    expect(buildStartPlan({}, { serviceToken: "u".repeat(40) }).gateway.env.GATEWAY_TOKEN).not.toBe(gatewayToken);
    expect(
      buildStartPlan({ GATEWAY_TOKEN: "g".repeat(40) }, { serviceToken: "t".repeat(40) }).gateway.env.GATEWAY_TOKEN,
    ).toBe("g".repeat(40));
  });

  it("gives each subgraph its own <NAME>_DATABASE_URL, and none to the gateway", () => {
    const plan = buildStartPlan({ USERS_DATABASE_URL: "postgres://h/u", ORDERS_DATABASE_URL: "postgres://h/o" });
    expect(plan.subgraphs.map((s) => s.env.DATABASE_URL)).toEqual([
      "postgres://h/u",
      undefined,
      "postgres://h/o",
      undefined,
    ]);
    expect(plan.gateway.env.DATABASE_URL).toBeUndefined();
  });

  it("refuses one DATABASE_URL for all four subgraphs", () => {
    expect(() => buildStartPlan({ DATABASE_URL: "postgres://h/shared" })).toThrow(
      /each subgraph needs its own database.*USERS_DATABASE_URL/,
    );
  });

  it("keeps an explicit APOLLO_TELEMETRY_DISABLED and forces color only when asked and allowed", () => {
    expect(buildStartPlan({ APOLLO_TELEMETRY_DISABLED: "false" }).gateway.env.APOLLO_TELEMETRY_DISABLED).toBe("false");
    expect(buildStartPlan({}, { forceColor: true }).gateway.env.FORCE_COLOR).toBe("1");
    expect(buildStartPlan({}, { forceColor: false }).gateway.env.FORCE_COLOR).toBeUndefined();
    expect(buildStartPlan({ NO_COLOR: "1" }, { forceColor: true }).gateway.env.FORCE_COLOR).toBeUndefined();
  });

  it("uses HOST for the URLs when the children bind a specific address", () => {
    const plan = buildStartPlan({ HOST: "10.0.0.7" });
    expect(plan.gateway.env.USERS_URL).toBe("http://10.0.0.7:4001/graphql");
    expect(plan.subgraphs[0]?.readyUrl).toBe("http://10.0.0.7:4001/readyz");
  });
});

describe("SUPERVISOR_NODE_ARGS", () => {
  it("is what package.json's start script runs, with an entry point that exists", () => {
    const root = resolve(import.meta.dirname, "../..");
    const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    // measure:start and the e2e tests spawn the supervisor with these: they must measure what developers run.
    expect(pkg.scripts.start).toBe(`node ${SUPERVISOR_NODE_ARGS.join(" ")}`);
    expect(existsSync(resolve(root, SUPERVISOR_NODE_ARGS.at(-1)!))).toBe(true);
  });
});
