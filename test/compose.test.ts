// docker-compose.yml cannot run here (no Docker engine), so these checks keep it consistent with
// the processes' configuration contract, .env.example and the Postgres init script.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { GATEWAY_NODE_FLAGS } from "../gateway/src/node-flags.ts";

const ROOT = resolve(import.meta.dirname, "..");
const read = (file: string) => readFileSync(join(ROOT, file), "utf8");

interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test?: string[] | string };
  depends_on?: Record<string, { condition?: string }>;
  profiles?: string[];
}

// merge: true resolves the `<<: *anchor` merge keys the file uses for shared fragments.
const compose = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;

const SUBGRAPHS = ["users", "products", "orders", "notifications"] as const;
const APPS = ["gateway", ...SUBGRAPHS] as const;
const PORTS: Record<(typeof APPS)[number], number> = {
  gateway: 4000,
  users: 4001,
  products: 4002,
  orders: 4003,
  notifications: 4004,
};

/** The service, failing the test when it is missing. */
function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** A service's environment as strings (compose accepts numbers and booleans too). */
function env(name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, String(v ?? "")]));
}

/** Applies compose's `${VAR:-default}` / `${VAR:?error}` with an empty environment. */
function interpolate(value: string): string {
  return value.replace(/\$\{(\w+)(?::?([-?])([^}]*))?\}/g, (_all, name: string, op?: string, arg?: string) =>
    op === "-" ? (arg ?? "") : `<${name}>`,
  );
}

describe("docker-compose.yml", () => {
  it("defines postgres, redis, the gateway and the four subgraphs", () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(["postgres", "redis", ...APPS]));
    expect(service("postgres").image).toMatch(/^postgres:16/);
    expect(service("redis").image).toMatch(/^redis:7/);
  });

  it.each(APPS)("%s: built from the root Dockerfile, runs its entry point, health-checked on /readyz", (name) => {
    const s = service(name);
    const build = typeof s.build === "string" ? { context: s.build } : s.build;
    expect(build?.context).toBe(".");
    expect(existsSync(join(ROOT, build?.dockerfile ?? "Dockerfile"))).toBe(true);
    const entry = name === "gateway" ? "gateway/src/index.ts" : `subgraphs/${name}/src/index.ts`;
    // OpenTelemetry is preloaded: ES modules can only be instrumented when it starts first. The
    // gateway's heap flags come before it (test/gateway-node-flags.test.ts).
    const flags = name === "gateway" ? GATEWAY_NODE_FLAGS : [];
    expect(s.command).toEqual(["node", ...flags, "--import", "./packages/telemetry/src/register.ts", entry]);
    expect(existsSync(join(ROOT, "packages/telemetry/src/register.ts"))).toBe(true);
    expect(env(name).OTEL_SERVICE_NAME).toBe(name);
    const test = Array.isArray(s.healthcheck?.test) ? s.healthcheck.test.join(" ") : (s.healthcheck?.test ?? "");
    expect(test).toContain(`http://127.0.0.1:${PORTS[name]}/readyz`);
    expect(env(name).PORT).toBe(String(PORTS[name]));
  });

  it.each(APPS)("%s: sets every variable it requires for a production start", (name) => {
    const e = env(name);
    expect(e.NODE_ENV).toBe("production");
    expect(e.HOST).toBe("0.0.0.0");
    expect(e.REDIS_URL).toBe("redis://redis:6379");
    expect(e.APOLLO_TELEMETRY_DISABLED).toBe("true");
    if (name !== "users") expect(e.JWKS_URL).toBe("http://users:4001/.well-known/jwks.json");
    if (name === "gateway") {
      for (const sub of SUBGRAPHS) expect(e[`${sub.toUpperCase()}_URL`]).toBe(`http://${sub}:${PORTS[sub]}/graphql`);
      expect(e.SUPERGRAPH_PATH).toBe("schema/supergraph.graphql");
      expect(e.CORS_ORIGINS).toBeTruthy();
    } else {
      expect(interpolate(e.DATABASE_URL ?? "")).toMatch(
        new RegExp(`^postgres(ql)?://[^@]+@postgres:5432/shopgraph_${name}$`),
      );
      // Secrets are never defaulted: compose must refuse to start without them.
      expect(e.SERVICE_TOKEN).toMatch(/^\$\{SERVICE_TOKEN:\?/);
    }
    if (name === "users") expect(e.JWT_PRIVATE_KEYS).toMatch(/^\$\{JWT_PRIVATE_KEYS:\?/);
    if (name === "orders") expect(e.PRODUCTS_URL).toBe("http://products:4002/graphql");
  });

  it("points every service URL at a compose service on that service's PORT", () => {
    for (const name of APPS) {
      for (const [key, value] of Object.entries(env(name))) {
        if (!/_URL$/.test(key) || !/^https?:/.test(value)) continue;
        const url = new URL(value);
        expect(APPS, `${name}.${key}`).toContain(url.hostname);
        expect(url.port, `${name}.${key}`).toBe(env(url.hostname).PORT);
      }
    }
  });

  it("starts each process only after what it needs is healthy", () => {
    const healthy = (name: string) =>
      Object.entries(service(name).depends_on ?? {})
        .filter(([, d]) => d.condition === "service_healthy")
        .map(([dep]) => dep);
    for (const name of SUBGRAPHS) expect(healthy(name)).toEqual(expect.arrayContaining(["postgres", "redis"]));
    for (const name of ["products", "orders", "notifications"]) expect(healthy(name)).toContain("users");
    expect(healthy("orders")).toContain("products");
    expect(healthy("gateway")).toEqual(expect.arrayContaining(["redis", ...SUBGRAPHS]));
    for (const name of ["postgres", "redis"]) expect(service(name).healthcheck?.test).toBeTruthy();
  });

  it("creates every database named in a DATABASE_URL in deploy/postgres/init.sql, one per subgraph", () => {
    const created = [...read("deploy/postgres/init.sql").matchAll(/^\s*CREATE DATABASE\s+"?(\w+)"?/gim)].map(
      (m) => m[1],
    );
    const used = SUBGRAPHS.map((name) => new URL(interpolate(env(name).DATABASE_URL ?? "")).pathname.slice(1));
    expect(new Set(used).size).toBe(SUBGRAPHS.length);
    expect(created.sort()).toEqual([...used].sort());
    const volumes = (service("postgres") as { volumes?: string[] }).volumes ?? [];
    expect(volumes).toContain("./deploy/postgres/init.sql:/docker-entrypoint-initdb.d/init.sql:ro");
  });
});

describe("observability stack (Jaeger, Prometheus, Grafana)", () => {
  interface ScrapeConfig {
    job_name: string;
    metrics_path?: string;
    static_configs: { targets: string[] }[];
  }
  const prometheus = parse(read("deploy/prometheus/prometheus.yml")) as { scrape_configs: ScrapeConfig[] };
  const datasources = parse(read("deploy/grafana/provisioning/datasources/datasources.yml")) as {
    datasources: { uid: string; type: string; url: string }[];
  };
  const providers = parse(read("deploy/grafana/provisioning/dashboards/dashboards.yml")) as {
    providers: { type: string; options: { path: string } }[];
  };
  const volumes = (name: string) => ((service(name) as { volumes?: string[] }).volumes ?? []).map((v) => v.split(":"));

  it("starts Jaeger, Prometheus and Grafana with a plain `docker compose up` (no profiles)", () => {
    for (const name of ["jaeger", "prometheus", "grafana"]) {
      expect(service(name).image).toBeTruthy();
      expect(service(name).profiles).toBeUndefined();
    }
  });

  it("sends every process's traces to the stack's Jaeger over OTLP/HTTP", () => {
    for (const name of APPS)
      expect(interpolate(env(name).OTEL_EXPORTER_OTLP_ENDPOINT ?? "")).toBe("http://jaeger:4318");
  });

  it("scrapes /metrics of every app service at its METRICS_PORT (never its public PORT), and only existing services", () => {
    const targets = prometheus.scrape_configs.flatMap((c) =>
      c.static_configs.flatMap((sc) =>
        sc.targets.map((t) => ({ job: c.job_name, path: c.metrics_path ?? "/metrics", target: t })),
      ),
    );
    for (const { target, path } of targets) {
      const [host, port] = target.split(":");
      expect(services[host!], `scrape target ${target}`).toBeDefined();
      expect(env(host!).METRICS_PORT, `scrape target ${target}`).toBe(port);
      expect(env(host!).PORT, `scrape target ${target}`).not.toBe(port);
      expect(env(host!).METRICS_HOST, `metrics of ${host} reachable on the compose network`).toBe("0.0.0.0");
      const published = ((service(host!) as { ports?: string[] }).ports ?? []).map((p) => String(p).split(":").at(-1));
      expect(published, `${host} must not publish its metrics port`).not.toContain(port);
      expect(path).toBe("/metrics");
    }
    expect(targets.map((t) => t.target.split(":")[0]).sort()).toEqual([...APPS].sort());
    for (const { job, target } of targets) expect(job).toBe(target.split(":")[0]);
    expect(
      volumes("prometheus").some(
        ([from, to]) => from === "./deploy/prometheus/prometheus.yml" && to === "/etc/prometheus/prometheus.yml",
      ),
    ).toBe(true);
  });

  it("provisions Grafana's datasources at compose services and the dashboards folder it mounts", () => {
    for (const ds of datasources.datasources) {
      const url = new URL(ds.url);
      expect(services[url.hostname], `${ds.uid} → ${ds.url}`).toBeDefined();
    }
    expect(datasources.datasources.map((d) => d.type).sort()).toEqual(["jaeger", "prometheus"]);
    const mounts = volumes("grafana");
    expect(
      mounts.some(([from, to]) => from === "./deploy/grafana/provisioning" && to === "/etc/grafana/provisioning"),
    ).toBe(true);
    const dashboards = mounts.find(([from]) => from === "./deploy/grafana/dashboards");
    expect(providers.providers.map((p) => p.options.path)).toContain(dashboards?.[1]);
  });

  it("has a dashboard whose panels all use a provisioned datasource and a PromQL expression", () => {
    const dir = join(ROOT, "deploy/grafana/dashboards");
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThan(0);
    const uids = new Set(datasources.datasources.map((d) => d.uid));
    for (const file of files) {
      const dashboard = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
        uid: string;
        panels: {
          type: string;
          datasource?: { uid: string };
          targets?: { expr: string; datasource?: { uid: string } }[];
        }[];
      };
      expect(dashboard.uid).toBeTruthy();
      for (const panel of dashboard.panels.filter((p) => p.type !== "row")) {
        expect(uids.has(panel.datasource?.uid ?? "")).toBe(true);
        expect(panel.targets?.length).toBeGreaterThan(0);
        for (const target of panel.targets ?? []) expect(target.expr).toMatch(/\w+/);
      }
    }
    // That every queried metric is really exported is checked against a live scrape in
    // gateway/test/e2e/observability.e2e.test.ts.
  });
});

describe(".env.example", () => {
  /** Variables named as `NAME=value` or `# NAME=value`, each with the comment block above it. */
  function documented(): Map<string, string> {
    const vars = new Map<string, string>();
    let comment: string[] = [];
    for (const line of read(".env.example").split("\n")) {
      const match = /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line);
      if (match?.[1]) {
        vars.set(match[1], comment.join("\n"));
        continue;
      }
      if (line.trim() === "") comment = [];
      else comment.push(line);
    }
    return vars;
  }

  const vars = documented();
  const inCompose = new Set(Object.keys(services).flatMap((name) => Object.keys(env(name))));

  it("documents every variable the app services set", () => {
    const undocumented = [...new Set(APPS.flatMap((name) => Object.keys(env(name))))].filter((v) => !vars.has(v));
    expect(undocumented).toEqual([]);
  });

  it("names only variables compose sets or that are documented as optional", () => {
    const stray = [...vars]
      .filter(([name, comment]) => !inCompose.has(name) && !/\boptional\b/i.test(comment))
      .map(([name]) => name);
    expect(stray).toEqual([]);
  });

  it("explains every variable", () => {
    expect([...vars].filter(([, comment]) => comment.trim() === "").map(([name]) => name)).toEqual([]);
  });
});
