import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CONSUMER_GROUP } from "../../subgraphs/notifications/src/event-consumer.ts";
import { PROMETHEUS_RULE_FILE, renderPrometheusRule, RULES_FILE } from "../kubernetes/scripts/prometheus-rule.ts";
import {
  containerEnv,
  entryOf,
  hasKubectl,
  KUBERNETES_DIR,
  ofKind,
  podTemplates,
  render,
  ROOT,
  selects,
  validateObject,
  type K8sObject,
} from "./manifests.ts";
import { streamKeys } from "../../packages/events/src/redis-streams.ts";

// No cluster here: the overlays are rendered by kubectl's own kustomize and checked offline
// (OpenAPI schemas through kubernetes-models, then the deployment policies below).
const KUBECTL = hasKubectl();
if (!KUBECTL && process.env.CI)
  throw new Error("kubectl is required in CI (.ci/run installs Debian's kubernetes-client)");

const OVERLAYS = [
  "overlays/dev",
  "overlays/production",
  "overlays/production/migrate",
  "autoscaling/hpa-fallback",
] as const;
const rendered = new Map<string, K8sObject[]>(KUBECTL ? OVERLAYS.map((dir) => [dir, render(dir)]) : []);
const objects = (dir: (typeof OVERLAYS)[number]) => rendered.get(dir)!;
const production = () => objects("overlays/production");
const apps = (dir: (typeof OVERLAYS)[number]) =>
  podTemplates(objects(dir)).filter((p) => p.labels["app.kubernetes.io/part-of"] === "shopgraph");

/** Variables that are secrets: always from a Secret, never a literal or a ConfigMap. */
const SECRET_VARIABLES = [
  "JWT_PRIVATE_KEYS",
  "SERVICE_TOKEN",
  "GATEWAY_TOKEN",
  "DATABASE_URL",
  "DATABASE_MIGRATION_URL",
  "REDIS_URL",
  "SMTP_URL",
  "FCM_SERVICE_ACCOUNT_JSON",
  "METRICS_TOKEN",
];

describe.skipIf(!KUBECTL)("Kubernetes manifests", () => {
  it.each(OVERLAYS)("%s renders and every object validates against its schema", async (dir) => {
    expect(objects(dir).length).toBeGreaterThan(0);
    for (const object of objects(dir))
      await expect(validateObject(object), `${object.kind}/${object.metadata.name}`).resolves.toBeUndefined();
  });

  it("the validator refuses a malformed object (so the check above can fail)", async () => {
    const deployment = structuredClone(ofKind(production(), "Deployment")[0]!);
    deployment.spec.template.spec.containers[0].ports[0].containerPort = "http";
    await expect(validateObject(deployment)).rejects.toThrow(/containerPort/);
    await expect(
      validateObject({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }),
    ).rejects.toThrow(/no schema/);
  });

  it("production runs every process the base defines, in one namespace, with no Secret in the manifests", () => {
    const names = ofKind(production(), "Deployment")
      .map((d) => d.metadata.name)
      .sort();
    expect(names).toEqual(["gateway", "notifications", "notifications-worker", "orders", "products", "users"]);
    expect(
      new Set(
        production()
          .filter((o) => o.kind !== "Namespace")
          .map((o) => o.metadata.namespace),
      ),
    ).toEqual(new Set(["shopgraph"]));
    // Production Secrets are created out of band (README): none may be committed.
    expect(ofKind(production(), "Secret")).toEqual([]);
    expect(
      ofKind(objects("overlays/production/migrate"), "Job")
        .map((j) => j.metadata.name)
        .sort(),
    ).toEqual(["notifications-migrate", "orders-migrate", "products-migrate", "users-migrate"]);
  });

  describe.each(["overlays/dev", "overlays/production"] as const)("policies of %s", (dir) => {
    it("every container has probes, requests and limits, and the restricted securityContext", () => {
      for (const { owner, spec } of podTemplates(objects(dir))) {
        const where = `${owner.kind}/${owner.metadata.name}`;
        expect(spec.securityContext, where).toMatchObject({
          runAsNonRoot: true,
          seccompProfile: { type: "RuntimeDefault" },
        });
        expect(spec.automountServiceAccountToken, where).toBe(false);
        for (const container of spec.containers) {
          expect(container.resources?.requests, where).toMatchObject({
            cpu: expect.any(String),
            memory: expect.any(String),
          });
          expect(container.resources?.limits, where).toMatchObject({
            cpu: expect.any(String),
            memory: expect.any(String),
          });
          expect(container.securityContext, where).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
          });
          expect(container.securityContext.capabilities.drop, where).toEqual(["ALL"]);
          expect(container.securityContext.privileged ?? false, where).toBe(false);
          if (owner.kind === "Deployment")
            for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"])
              expect(container[probe], `${where} ${probe}`).toBeDefined();
        }
      }
    });

    it("Shopgraph pods: /readyz and /healthz probes, a writable /tmp, zero-downtime rollouts, a drain that fits the grace period", () => {
      for (const { owner, spec } of apps(dir).filter((p) => p.owner.kind === "Deployment")) {
        const where = owner.metadata.name;
        const [container] = spec.containers;
        expect(container.readinessProbe.httpGet, where).toMatchObject({ path: "/readyz", port: "http" });
        expect(container.livenessProbe.httpGet, where).toMatchObject({ path: "/healthz", port: "http" });
        expect(container.startupProbe.httpGet, where).toMatchObject({ path: "/healthz", port: "http" });
        const tmp = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === "/tmp");
        expect(spec.volumes.find((v: { name: string }) => v.name === tmp?.name)?.emptyDir, where).toBeDefined();
        expect(owner.spec.strategy, where).toMatchObject({
          type: "RollingUpdate",
          rollingUpdate: { maxUnavailable: 0 },
        });
        expect(spec.topologySpreadConstraints?.length, where).toBeGreaterThan(0);
        for (const constraint of spec.topologySpreadConstraints)
          expect(selects(constraint.labelSelector.matchLabels, owner.spec.template.metadata.labels), where).toBe(true);
        // preStop pause, then SIGTERM: SHUTDOWN_DRAIN_DELAY_MS still serving (default 1 s), then a drain of
        // up to SHUTDOWN_GRACE_MS. The pod must not be killed before all of it ends.
        const [sleep, seconds] = container.lifecycle.preStop.exec.command;
        expect(sleep, where).toBe("sleep");
        const env = containerEnv(objects(dir), container, () => "x");
        const needMs =
          Number(seconds) * 1000 + Number(env.SHUTDOWN_DRAIN_DELAY_MS ?? 1_000) + Number(env.SHUTDOWN_GRACE_MS);
        expect(spec.terminationGracePeriodSeconds * 1000, where).toBeGreaterThan(needMs + 5_000);
      }
    });

    it("every Deployment has a PodDisruptionBudget and every Service selects pods on named ports they expose", () => {
      const templates = podTemplates(objects(dir)).filter((p) => p.owner.kind === "Deployment");
      for (const { owner, labels } of templates) {
        const budgets = ofKind(objects(dir), "PodDisruptionBudget").filter((pdb) =>
          selects(pdb.spec.selector.matchLabels, labels),
        );
        expect(
          budgets.map((b) => b.metadata.name),
          owner.metadata.name,
        ).toHaveLength(1);
      }
      for (const service of ofKind(objects(dir), "Service")) {
        const targets = templates.filter((t) => selects(service.spec.selector, t.labels));
        expect(targets.length, `Service ${service.metadata.name} selects no pods`).toBeGreaterThan(0);
        for (const port of service.spec.ports) {
          for (const target of targets) {
            const names = target.spec.containers.flatMap((c: { ports?: { name: string }[] }) =>
              (c.ports ?? []).map((p) => p.name),
            );
            expect(names, `Service ${service.metadata.name} port ${port.name}`).toContain(port.targetPort);
          }
        }
      }
    });

    it("the metrics port number is set once (METRICS_PORT) and every container names it `metrics`", () => {
      for (const { owner, spec } of apps(dir).filter((p) => p.owner.kind === "Deployment")) {
        const [container] = spec.containers;
        const env = containerEnv(objects(dir), container, () => "x");
        expect(env.METRICS_HOST, owner.metadata.name).toBe("0.0.0.0");
        expect(
          container.ports.find((p: { name: string }) => p.name === "metrics")?.containerPort,
          owner.metadata.name,
        ).toBe(Number(env.METRICS_PORT));
      }
    });

    it("secrets only come from Secrets: no secret variable is a literal or in a ConfigMap", () => {
      for (const map of ofKind(objects(dir), "ConfigMap")) {
        for (const key of Object.keys(map.data ?? {}))
          expect(SECRET_VARIABLES, `ConfigMap ${map.metadata.name}`).not.toContain(key);
      }
      for (const { owner, spec } of podTemplates(objects(dir)).filter(
        (p) => p.labels["app.kubernetes.io/part-of"] === "shopgraph",
      )) {
        for (const variable of spec.containers.flatMap((c: { env?: unknown[] }) => c.env ?? []) as {
          name: string;
          valueFrom?: { secretKeyRef?: unknown };
        }[]) {
          if (SECRET_VARIABLES.includes(variable.name))
            expect(variable.valueFrom?.secretKeyRef, `${owner.metadata.name} ${variable.name}`).toBeDefined();
        }
      }
    });

    it("image tags are pinned (an explicit tag, never latest)", () => {
      for (const { owner, spec } of podTemplates(objects(dir))) {
        for (const { image } of spec.containers) {
          const tag = /:([^/:@]+)$/.exec(image)?.[1];
          expect(tag, `${owner.metadata.name}: ${image}`).toBeDefined();
          expect(tag, `${owner.metadata.name}: ${image}`).not.toBe("latest");
        }
      }
    });
  });

  it("production: a release tag shared with the migration Jobs, and an autoscaler with at least 2 replicas per Deployment", () => {
    const images = (list: K8sObject[]) =>
      new Set(podTemplates(list).flatMap((p) => p.spec.containers.map((c: { image: string }) => c.image)));
    const release = images(production());
    expect(release.size).toBe(1);
    expect([...release][0]).toMatch(/^[\w.\-/]+:\d+\.\d+\.\d+$/);
    expect(images(objects("overlays/production/migrate"))).toEqual(release);
    const scalers = [...ofKind(production(), "HorizontalPodAutoscaler"), ...ofKind(production(), "ScaledObject")];
    for (const deployment of ofKind(production(), "Deployment")) {
      // The autoscaler owns the count: a `replicas` field would reset it on every apply.
      expect(deployment.spec.replicas, deployment.metadata.name).toBeUndefined();
      const scaler = scalers.filter((s) => s.spec.scaleTargetRef.name === deployment.metadata.name);
      expect(scaler, deployment.metadata.name).toHaveLength(1);
      expect(
        scaler[0]!.spec.minReplicas ?? scaler[0]!.spec.minReplicaCount,
        deployment.metadata.name,
      ).toBeGreaterThanOrEqual(2);
      const behavior = scaler[0]!.spec.behavior ?? scaler[0]!.spec.advanced?.horizontalPodAutoscalerConfig?.behavior;
      expect(behavior.scaleDown.stabilizationWindowSeconds, deployment.metadata.name).toBeGreaterThanOrEqual(60);
    }
    for (const budget of ofKind(production(), "PodDisruptionBudget")) expect(budget.spec.maxUnavailable).toBe(1);
  });

  it("KEDA watches the notifications consumer group's lag on the stream the services use; the HPA fallback targets the same Deployment", () => {
    const [scaled] = ofKind(production(), "ScaledObject");
    const [trigger] = scaled!.spec.triggers;
    const prefix = ofKind(production(), "ConfigMap").find((m) => m.metadata.name === "shopgraph-common")!.data
      .REDIS_KEY_PREFIX;
    expect(trigger).toMatchObject({
      type: "redis-streams",
      metadata: {
        stream: streamKeys({ url: "", prefix }).stream,
        consumerGroup: CONSUMER_GROUP,
        lagCount: expect.any(String),
      },
    });
    const auth = ofKind(production(), "TriggerAuthentication").find(
      (t) => t.metadata.name === trigger.authenticationRef.name,
    );
    expect(auth?.spec.secretTargetRef.map((r: { parameter: string }) => r.parameter).sort()).toEqual([
      "address",
      "password",
    ]);
    const [fallback] = ofKind(objects("autoscaling/hpa-fallback"), "HorizontalPodAutoscaler");
    expect(fallback!.spec.scaleTargetRef.name).toBe(scaled!.spec.scaleTargetRef.name);
  });

  it("NetworkPolicies: clients reach the gateway (and users' auth endpoints), subgraphs only their callers, metrics only monitoring", () => {
    const policies = ofKind(production(), "NetworkPolicy");
    expect(policies.find((p) => p.metadata.name === "default-deny")?.spec).toMatchObject({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
    });
    const podLabels = Object.fromEntries(
      apps("overlays/production")
        .filter((p) => p.owner.kind === "Deployment")
        .map((p) => [p.owner.metadata.name, p.labels]),
    );
    /** Who may open connections to `target` on its port `port`: pod names and namespace names. */
    const sources = (target: string, port: string) => {
      const found = new Set<string>();
      for (const policy of policies) {
        if (!selects(policy.spec.podSelector.matchLabels, podLabels[target])) continue;
        for (const rule of policy.spec.ingress ?? []) {
          if (!(rule.ports ?? []).some((p: { port: string }) => p.port === port)) continue;
          for (const peer of rule.from ?? []) {
            if (peer.namespaceSelector)
              found.add(`namespace:${peer.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]}`);
            else
              for (const [name, labels] of Object.entries(podLabels))
                if (selects(peer.podSelector.matchLabels, labels)) found.add(name);
          }
        }
      }
      return [...found].sort();
    };
    expect(sources("gateway", "http")).toEqual(["namespace:ingress-nginx"]);
    expect(sources("users", "http")).toEqual([
      "gateway",
      "namespace:ingress-nginx",
      "notifications",
      "orders",
      "products",
    ]);
    expect(sources("products", "http")).toEqual(["gateway", "orders"]);
    expect(sources("orders", "http")).toEqual(["gateway"]);
    expect(sources("notifications", "http")).toEqual(["gateway"]);
    expect(sources("notifications-worker", "http")).toEqual([]);
    for (const name of Object.keys(podLabels)) expect(sources(name, "metrics"), name).toEqual(["namespace:monitoring"]);
    // Egress to outside the namespace: DNS, PostgreSQL, Redis, OTLP; SMTP and HTTPS (FCM) from the worker only.
    const externalPorts = (name: string) =>
      policies
        .filter((p) => selects(p.spec.podSelector.matchLabels, podLabels[name]))
        .flatMap((p) =>
          (p.spec.egress ?? [])
            .filter((r: { to?: unknown[] }) => !r.to)
            .flatMap((r: { ports: { port: number }[] }) => r.ports.map((x) => x.port)),
        )
        .sort((a, b) => a - b);
    expect(externalPorts("gateway")).toEqual([4317, 4318, 5432, 6379]);
    expect(externalPorts("notifications-worker")).toEqual([443, 465, 587, 4317, 4318, 5432, 6379]);
  });

  it("the Ingress sends /graphql to the gateway and the auth paths to users, with streaming-friendly timeouts", () => {
    const [ingress] = ofKind(production(), "Ingress");
    const paths = ingress!.spec.rules[0].http.paths.map(
      (p: { path: string; backend: { service: { name: string } } }) => `${p.path}→${p.backend.service.name}`,
    );
    expect(paths).toEqual(["/graphql→gateway", "/.well-known→users", "/oauth→users"]);
    expect(
      Number(ingress!.metadata.annotations!["nginx.ingress.kubernetes.io/proxy-read-timeout"]),
    ).toBeGreaterThanOrEqual(3600);
    expect(ingress!.metadata.annotations!["nginx.ingress.kubernetes.io/proxy-buffering"]).toBe("off");
  });

  it("the supergraph ConfigMap is schema/supergraph.graphql, mounted as a directory (updates reach the pod) and polled", () => {
    const map = ofKind(production(), "ConfigMap").find((m) => m.metadata.name === "shopgraph-supergraph");
    expect(map?.data["supergraph.graphql"]).toBe(readFileSync(join(ROOT, "schema/supergraph.graphql"), "utf8"));
    const gateway = ofKind(production(), "Deployment").find((d) => d.metadata.name === "gateway")!;
    const [container] = gateway.spec.template.spec.containers;
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === "supergraph");
    expect(mount.subPath).toBeUndefined();
    const env = containerEnv(production(), container, () => "x");
    expect(env.SUPERGRAPH_PATH).toBe(`${mount.mountPath}/supergraph.graphql`);
    expect(Number(env.SUPERGRAPH_POLL_MS)).toBeGreaterThan(0);
  });

  it("monitoring: the PrometheusRule is generated from deploy/prometheus/alerts.yml and current; the dashboard ConfigMap holds every dashboard", () => {
    expect(readFileSync(PROMETHEUS_RULE_FILE, "utf8")).toBe(renderPrometheusRule());
    const [rule] = ofKind(production(), "PrometheusRule");
    expect(rule!.spec.groups).toEqual((parse(readFileSync(RULES_FILE, "utf8")) as { groups: unknown }).groups);
    const dashboards = readdirSync(join(ROOT, "deploy/grafana/dashboards"))
      .filter((f) => f.endsWith(".json"))
      .sort();
    const map = ofKind(production(), "ConfigMap").find((m) => m.metadata.name === "shopgraph-grafana-dashboards");
    expect(Object.keys(map!.data).sort()).toEqual(dashboards);
    for (const file of dashboards)
      expect(map!.data[file]).toBe(readFileSync(join(ROOT, "deploy/grafana/dashboards", file), "utf8"));
    expect(ofKind(production(), "ServiceMonitor")[0]!.spec.endpoints[0].port).toBe("metrics");
  });
});

// ---- Every variable a service's config requires in production is set by the production overlay ----

const jwk = () => ({
  ...(generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" }) as object),
  kid: "k8s-test",
  alg: "EdDSA",
});
/** Plausible values for the Secrets an operator creates (README): shaped like the real ones. */
const SECRETS: Record<string, string> = {
  "shopgraph-database/users-url": "postgres://shopgraph:pw@db.internal:5432/shopgraph_users",
  "shopgraph-database/products-url": "postgres://shopgraph:pw@db.internal:5432/shopgraph_products",
  "shopgraph-database/orders-url": "postgres://shopgraph:pw@db.internal:5432/shopgraph_orders",
  "shopgraph-database/notifications-url": "postgres://shopgraph:pw@db.internal:5432/shopgraph_notifications",
  "shopgraph-redis/url": "redis://:pw@redis.internal:6379",
  "shopgraph-service-tokens/service-token": randomBytes(32).toString("base64url"),
  "shopgraph-service-tokens/gateway-token": randomBytes(32).toString("base64url"),
  "shopgraph-jwt/private-keys": JSON.stringify([jwk()]),
  "shopgraph-oauth/cookie-keys": randomBytes(32).toString("base64url"),
  "shopgraph-smtp/url": "smtp://mailer:pw@smtp.internal:587",
  "shopgraph-fcm/service-account.json": JSON.stringify({
    type: "service_account",
    project_id: "shopgraph-push",
    client_email: "push@shopgraph-push.iam.gserviceaccount.com",
    private_key: "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
  }),
};

type Loader = (env: NodeJS.ProcessEnv) => unknown;
async function loaderFor(service: string, kind: "server" | "migrate"): Promise<Loader> {
  if (kind === "migrate") {
    const { loadMigrateJobConfig } = await import("../../packages/subgraph-kit/src/migrate-job.ts");
    return (env) => loadMigrateJobConfig(service, env);
  }
  const module = (await import(
    service === "gateway" ? "../../gateway/src/config.ts" : `../../subgraphs/${service}/src/config.ts`
  )) as Record<string, Loader>;
  const name = Object.keys(module).find((k) => /^load[A-Z]\w*Config$/.test(k));
  if (!name) throw new Error(`${service}: no load*Config export`);
  return module[name]!;
}

describe.skipIf(!KUBECTL)("production environment satisfies each config schema", () => {
  const workloads = () => [...production(), ...objects("overlays/production/migrate")];

  it.each([
    "gateway",
    "users",
    "products",
    "orders",
    "notifications",
    "notifications-worker",
    "users-migrate",
    "products-migrate",
    "orders-migrate",
    "notifications-migrate",
  ])("%s starts with the overlay's environment, and needs the Secrets it is given", async (name) => {
    const all = workloads();
    const owner = all.find((o) => (o.kind === "Deployment" || o.kind === "Job") && o.metadata.name === name)!;
    const [container] = owner.spec.template.spec.containers;
    const { service, kind } = entryOf(container.command);
    const load = await loaderFor(service, kind);
    const secretRefs: string[] = [];
    const env = containerEnv(all, container, (secret, key, optional) => {
      secretRefs.push(`${secret}/${key}`);
      const value = SECRETS[`${secret}/${key}`];
      if (value === undefined && !optional)
        throw new Error(
          `${name}: no sample value for Secret ${secret}/${key} (add it to the README's commands and here)`,
        );
      return value;
    });
    expect(env.NODE_ENV).toBe("production");
    expect(() => load(env)).not.toThrow();
    // Without the database (and Redis) a production service would silently fall back to an embedded or in-process one.
    if (service !== "gateway") expect(env.DATABASE_URL, name).toMatch(/^postgres:/);
    if (kind === "server") expect(env.REDIS_URL, name).toMatch(/^redis:/);
    // Each required Secret is really required: dropping one makes the config fail, as a missing Secret key would.
    const required = container.env.filter(
      (v: { valueFrom?: { secretKeyRef?: { optional?: boolean } } }) =>
        v.valueFrom?.secretKeyRef && !v.valueFrom.secretKeyRef.optional,
    );
    const requiredBySchema = required.filter((v: { name: string }) => {
      const { [v.name]: _dropped, ...rest } = env;
      try {
        load(rest);
        return false;
      } catch {
        return true;
      }
    });
    expect(secretRefs.length, name).toBeGreaterThan(0);
    if (kind === "server" && service !== "gateway")
      expect(
        requiredBySchema.map((v: { name: string }) => v.name),
        name,
      ).toContain("SERVICE_TOKEN");
    if (service === "users" && kind === "server")
      expect(requiredBySchema.map((v: { name: string }) => v.name)).toContain("JWT_PRIVATE_KEYS");
  });
});

describe.skipIf(!KUBECTL)("dev environment satisfies each config schema with the overlay's own Secrets", () => {
  it.each(["gateway", "users", "products", "orders", "notifications", "notifications-worker"])("%s", async (name) => {
    const dev = objects("overlays/dev");
    const owner = ofKind(dev, "Deployment").find((d) => d.metadata.name === name)!;
    const [container] = owner.spec.template.spec.containers;
    const { service, kind } = entryOf(container.command);
    const env = containerEnv(dev, container, (secret, key, optional) => {
      const data = ofKind(dev, "Secret").find((s) => s.metadata.name === secret)?.data?.[key];
      if (data === undefined && !optional) throw new Error(`${name}: the dev overlay has no Secret ${secret}/${key}`);
      return data === undefined ? undefined : Buffer.from(String(data).replace(/\s+/g, ""), "base64").toString("utf8");
    });
    expect(env.NODE_ENV).toBe("development");
    await expect((async () => (await loaderFor(service, kind))(env))()).resolves.toBeDefined();
  });
});

// ---- docker-compose.yml and the manifests start the same processes with the same variables ----

/** Variables only the cluster sets, and why. */
const CLUSTER_ONLY: Record<string, string> = {
  SUPERGRAPH_POLL_MS: "the supergraph comes from a ConfigMap that changes under a running gateway",
  MIGRATE_ON_START: "migration Jobs run before a rollout; compose services migrate at start",
  NOTIFICATIONS_ROLE: "API and worker are separate Deployments; compose runs both roles in one process",
  TRUST_PROXY: "the cluster's ingress controller sets x-forwarded-for",
  METRICS_HOST: "pods expose the metrics port to the monitoring namespace",
  METRICS_PORT: "one metrics port for every pod",
  GATEWAY_TOKEN: "the cluster gives every pod its gateway credential from a Secret",
};
/** Variables whose values are environment-specific (addresses, sampling, seeding, origins, the public OAuth issuer). */
const VALUES_DIFFER = new Set([
  "DATABASE_URL",
  "REDIS_URL",
  "JWKS_URL",
  "USERS_URL",
  "PRODUCTS_URL",
  "ORDERS_URL",
  "NOTIFICATIONS_URL",
  "SUPERGRAPH_PATH",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
  "OTEL_TRACES_SAMPLER_ARG",
  "SEED",
  "CORS_ORIGINS",
  "OAUTH_ISSUER",
  "STOREFRONT_URL",
  "DATA_DIR",
  "SERVICE_TOKEN",
  "JWT_PRIVATE_KEYS",
  "GATEWAY_TOKEN",
  "SMTP_URL",
  "FCM_SERVICE_ACCOUNT_JSON",
  "METRICS_HOST",
  "METRICS_PORT",
  "METRICS_TOKEN",
]);

/** `${NAME:-default}` → default; `${NAME:?msg}` (required, no default) → undefined; literals as they are. */
function composeValue(raw: unknown): string | undefined {
  const text = String(raw);
  const match = /^\$\{[A-Z_]+(:?-)([^}]*)\}$/.exec(text);
  if (match) return match[2];
  if (/^\$\{[A-Z_]+:\?/.test(text)) return undefined;
  return text;
}

describe.skipIf(!KUBECTL)("docker-compose.yml and the production overlay agree", () => {
  const compose = parse(readFileSync(join(ROOT, "docker-compose.yml"), "utf8"), { merge: true }) as {
    services: Record<string, { command: string[]; environment: Record<string, unknown> }>;
  };
  const composeService = (name: string) => compose.services[name === "notifications-worker" ? "notifications" : name]!;

  it.each(["gateway", "users", "products", "orders", "notifications", "notifications-worker"])(
    "%s: same command and variables",
    (name) => {
      const deployment = ofKind(production(), "Deployment").find((d) => d.metadata.name === name)!;
      const [container] = deployment.spec.template.spec.containers;
      const fromCompose = composeService(name);
      expect(container.command).toEqual(fromCompose.command);
      const env = containerEnv(production(), container, (secret, key) => SECRETS[`${secret}/${key}`] ?? "secret");
      // The API and the worker together set what compose's single notifications process sets.
      if (name.startsWith("notifications")) {
        const other = ofKind(production(), "Deployment").find(
          (d) => d.metadata.name === (name === "notifications" ? "notifications-worker" : "notifications"),
        )!;
        for (const [k, v] of Object.entries(
          containerEnv(
            production(),
            other.spec.template.spec.containers[0],
            (s, k2) => SECRETS[`${s}/${k2}`] ?? "secret",
          ),
        ))
          env[k] ??= v;
      }
      const composeNames = Object.keys(fromCompose.environment);
      const missing = composeNames.filter((k) => !(k in env) && !(k in CLUSTER_ONLY));
      const extra = Object.keys(env).filter((k) => !composeNames.includes(k) && !(k in CLUSTER_ONLY));
      expect({ missingInCluster: missing, missingInCompose: extra }).toEqual({
        missingInCluster: [],
        missingInCompose: [],
      });
      for (const key of composeNames.filter((k) => k in env && !VALUES_DIFFER.has(k))) {
        const expected = composeValue(fromCompose.environment[key]);
        if (expected === undefined) continue;
        // The worker has its own trace service name (a second process kind).
        if (key === "OTEL_SERVICE_NAME" && name === "notifications-worker") continue;
        expect(env[key], `${name} ${key}`).toBe(expected);
      }
    },
  );

  it("compose names the same kustomize-visible files: the rules file is mounted and loaded", () => {
    const prometheus = compose.services.prometheus as unknown as { volumes: string[] };
    expect(prometheus.volumes).toContain("./deploy/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro");
    const config = parse(readFileSync(join(ROOT, "deploy/prometheus/prometheus.yml"), "utf8")) as {
      rule_files?: string[];
    };
    expect(config.rule_files).toContain("alerts.yml");
    expect(KUBERNETES_DIR).toContain("deploy/kubernetes");
  });
});
