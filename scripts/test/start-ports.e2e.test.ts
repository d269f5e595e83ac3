// `pnpm start` on non-default ports, end to end: the real supervisor, run as `pnpm start` runs it, with its
// plan, real PostgreSQL databases and no Redis, so orders pushes its events over HTTP — the path
// where a stack on other ports once sent its order.confirmed to 127.0.0.1:4004, another stack's
// notifications. An order placed here must become a notification of this stack, and reach this
// stack's gateway's subscribers (the services push live events to the gateway's derived URL).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { sleep } from "@shopgraph/util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, gql, provisionDatabase } from "../../packages/testing/src/index.ts";
import type { TestDatabase } from "../../packages/testing/src/index.ts";
import { DEMO_ACCOUNTS } from "../lib/banner.ts";
import { formatMiB, processTreeMemory } from "../lib/process-memory.ts";
import { DEFAULT_PORTS, DEV_NODE_FLAGS, portVariable, SUBGRAPH_NAMES, SUPERVISOR_NODE_ARGS } from "../lib/processes.ts";
import type { ProcessName } from "../lib/processes.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const READY_LINE = /Shopgraph is ready in/;
const START_TIMEOUT_MS = 200_000;

let supervisor: ChildProcess | undefined;
let output = "";
let dataDir: string;
let databases: TestDatabase[] = [];
const ports = {} as Record<ProcessName, number>;
/** A stand-in for another stack's notifications on the default port: it must hear nothing. */
let decoy: Server | undefined;
const decoyRequests: string[] = [];

/** Listens on the default notifications port when it is free (another stack may hold it). */
function startDecoy(): Promise<Server | undefined> {
  return new Promise((done) => {
    const server = createServer((req, res) => {
      // Other test stacks on this machine may push here too: what counts is whether ours did.
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      req.on("end", () => {
        decoyRequests.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(503).end();
      });
    });
    server.once("error", () => done(undefined));
    server.listen(DEFAULT_PORTS.notifications, "127.0.0.1", () => done(server));
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "sg-start-ports-"));
  const migrations = (name: string) => join(ROOT, "subgraphs", name, "prisma/migrations");
  databases = await Promise.all(SUBGRAPH_NAMES.map((name) => provisionDatabase(name, migrations(name))));
  for (const name of Object.keys(DEFAULT_PORTS) as ProcessName[]) ports[name] = await freePort();
  // The gateway's metrics listener sits at its port + 5400 (ephemeral, unknowable, beyond 65535): the live test reads it.
  while (ports.gateway + 5400 > 65535) ports.gateway = await freePort();
  decoy = await startDecoy();
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATA_DIR: dataDir,
    NODE_ENV: "development",
  };
  env.NO_COLOR = "1";
  // Nothing inherited may point the stack elsewhere: the plan has to derive every URL itself.
  const inherited = [
    "EVENTS_PUSH_URLS",
    "SERVICE_TOKEN",
    "GATEWAY_TOKEN",
    "JWKS_URL",
    "PRODUCTS_URL",
    "FORCE_COLOR",
    "SEED",
  ];
  for (const name of inherited) delete env[name];
  env.REDIS_URL = "";
  env.RATE_LIMIT_ENABLED = "false";
  env.LOG_LEVEL = "warn";
  SUBGRAPH_NAMES.forEach((name, i) => {
    env[`${name.toUpperCase()}_DATABASE_URL`] = databases[i]!.url;
  });
  for (const [name, port] of Object.entries(ports)) env[portVariable(name as ProcessName)] = String(port);
  supervisor = spawn(process.execPath, SUPERVISOR_NODE_ARGS, {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`not ready in ${START_TIMEOUT_MS / 1000} s:\n${output.slice(-3000)}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-50_000);
      if (READY_LINE.test(output)) {
        clearTimeout(timer);
        done();
      }
    };
    supervisor!.stdout!.on("data", onData);
    supervisor!.stderr!.on("data", onData);
    supervisor!.once("close", (code) => {
      clearTimeout(timer);
      fail(new Error(`the supervisor exited (${code}) before the stack was ready:\n${output.slice(-3000)}`));
    });
  });
}, START_TIMEOUT_MS + 60_000);

afterAll(async () => {
  if (supervisor?.pid !== undefined && supervisor.exitCode === null) {
    const closed = new Promise((done) => supervisor!.once("close", done));
    process.kill(-supervisor.pid, "SIGTERM");
    const timer = setTimeout(() => process.kill(-supervisor!.pid!, "SIGKILL"), 30_000);
    await closed;
    clearTimeout(timer);
  }
  await new Promise((done) => (decoy ? decoy.close(done) : done(undefined)));
  await Promise.all(databases.map((db) => db.drop()));
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

/** Polls the customer's notifications until one of `kind` for `orderId` appears or `withinMs` passes. */
async function waitForOrderNotification(url: string, token: string, orderId: string, withinMs: number) {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const res = await gql(url, "{ me { notifications(first: 50) { edges { node { kind order { id } } } } } }", {
      token,
    });
    type Node = { kind: string; order: { id: string } | null };
    const nodes: Node[] = res.data?.me?.notifications.edges.map((e: { node: Node }) => e.node) ?? [];
    const found = nodes.find((n) => n.kind === "ORDER_CONFIRMED" && n.order?.id === orderId);
    if (found || Date.now() > deadline) return found;
    await sleep(250);
  }
}

/** Logs a demo account in through the gateway; returns its access token. */
async function login(url: string, role: "ADMIN" | "CUSTOMER"): Promise<string> {
  const account = DEMO_ACCOUNTS.find((a) => a.role === role)!;
  const res = await gql(
    url,
    "mutation($i: LoginInput!) { login(input: $i) { session { accessToken } userErrors { code } } }",
    { variables: { i: { email: account.email, password: account.password } } },
  );
  const token = res.data?.login.session?.accessToken as string | undefined;
  if (!token) throw new Error(`login failed: ${JSON.stringify(res)}`);
  return token;
}

/** A graphql-transport-ws subscription (the graphql-ws protocol, over Node's WebSocket): its results as they arrive. */
async function subscribeWs(url: string, token: string, query: string, variables: Record<string, unknown> = {}) {
  const results: { data?: Record<string, unknown>; errors?: unknown[] }[] = [];
  const socket = new WebSocket(url.replace(/^http/, "ws"), "graphql-transport-ws");
  let acked!: () => void;
  const ack = new Promise<void>((resolve) => (acked = resolve));
  socket.addEventListener("message", (event: MessageEvent) => {
    const message = JSON.parse(String(event.data)) as { type: string; payload?: (typeof results)[number] };
    if (message.type === "connection_ack") acked();
    if (message.type === "next" && message.payload) results.push(message.payload);
  });
  await new Promise((resolve, reject) => {
    socket.addEventListener("open", resolve);
    socket.addEventListener("error", reject);
  });
  socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${token}` } }));
  await ack;
  socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query, variables } }));
  return {
    results,
    /** Polls the results until one matches or `withinMs` passes. */
    async waitFor(match: (r: (typeof results)[number]) => boolean, withinMs = 30_000) {
      const deadline = Date.now() + withinMs;
      while (!results.some(match)) {
        if (Date.now() > deadline) throw new Error(`no matching result; got ${JSON.stringify(results).slice(0, 500)}`);
        await sleep(100);
      }
      return results.find(match)!;
    },
    close: () => socket.close(),
  };
}

describe("pnpm start on non-default ports (real PostgreSQL, no Redis: events over HTTP push)", () => {
  it("listens on the chosen ports only and says so in the banner", () => {
    expect(Object.values(ports)).not.toContain(DEFAULT_PORTS.gateway);
    expect(output).toContain(`http://localhost:${ports.gateway}/graphql`);
    for (const name of SUBGRAPH_NAMES) expect(output).toContain(`${name} :${ports[name]}`);
  });

  it("runs the five children with the development Node flags, the whole tree within 1 GiB (PSS)", () => {
    const tree = processTreeMemory(supervisor!.pid!);
    const children = tree.filter((p) => p.command.includes("/src/index.ts"));
    expect(children).toHaveLength(5);
    for (const child of children) expect(child.command).toContain(DEV_NODE_FLAGS.join(" "));
    // Databases are real servers here (no PGlite in the subgraphs): the embedded stack's figures come from `pnpm measure:start`.
    const pss = tree.reduce((total, p) => total + p.pssBytes, 0);
    const breakdown = tree.map((p) => `${p.pid} ${formatMiB(p.pssBytes)} ${p.command.slice(0, 80)}`).join("\n");
    expect(pss, breakdown).toBeLessThan(1024 * 1024 * 1024);
  });

  it("turns an order into a notification of the same stack, and nothing reaches the default notifications port", async () => {
    const url = `http://127.0.0.1:${ports.gateway}/graphql`;
    const customer = DEMO_ACCOUNTS.find((a) => a.role === "CUSTOMER")!;
    const login = await gql(
      url,
      "mutation($i: LoginInput!) { login(input: $i) { session { accessToken } userErrors { code } } }",
      {
        variables: { i: { email: customer.email, password: customer.password } },
      },
    );
    const token = login.data?.login.session?.accessToken as string;
    expect(token, JSON.stringify(login)).toBeTruthy();
    const catalog = await gql(url, "{ products(first: 50) { edges { node { id quantityAvailable archived } } } }", {
      token,
    });
    type Product = { id: string; quantityAvailable: number; archived: boolean };
    const products: Product[] = catalog.data?.products.edges.map((e: { node: Product }) => e.node);
    const product = products.find((p) => !p.archived && p.quantityAvailable > 5);
    expect(product, JSON.stringify(catalog)).toBeDefined();
    const mutation =
      'mutation($input: PlaceOrderInput!) { placeOrder(input: $input, idempotencyKey: "ports-e2e-1") ' +
      "{ order { id number status } userErrors { code } } }";
    const placed = await gql(url, mutation, {
      token,
      variables: {
        input: {
          lines: [{ productId: product!.id, quantity: 1 }],
          shippingAddress: { name: "Port Tester", line1: "1 Road", city: "Town", postalCode: "1000", country: "GB" },
          paymentToken: "tok_visa",
        },
      },
    });
    const order = placed.data?.placeOrder.order;
    expect(order?.status, JSON.stringify(placed)).toBe("PAID");
    const confirmed = await waitForOrderNotification(url, token, order.id, 30_000);
    expect(
      confirmed,
      `no ORDER_CONFIRMED for ${order.number} in this stack; supervisor output:\n${output.slice(-3000)}`,
    ).toBeDefined();
    expect(decoyRequests.filter((r) => r.includes(order.id) || r.includes(order.number))).toEqual([]);
  }, 60_000);

  it("delivers live updates without Redis: the services push to this stack's gateway (notificationAdded, orderUpdated)", async () => {
    const url = `http://127.0.0.1:${ports.gateway}/graphql`;
    const [token, adminToken] = await Promise.all([login(url, "CUSTOMER"), login(url, "ADMIN")]);
    const notes = await subscribeWs(url, token, "subscription { notificationAdded { kind order { id number } } }");
    // A subscribe has no acknowledgement in graphql-transport-ws: the gateway's gauge says when it is open.
    const metricsUrl = `http://127.0.0.1:${ports.gateway + 5400}/metrics`;
    for (const deadline = Date.now() + 10_000; ; await sleep(100)) {
      const text = await fetch(metricsUrl).then((r) => r.text());
      if (/gateway_subscriptions_active\{[^}]*notificationAdded[^}]*\} [1-9]/.test(text)) break;
      if (Date.now() > deadline) throw new Error("the subscription never opened");
    }
    const catalog = await gql(url, "{ products(first: 50) { edges { node { id quantityAvailable archived } } } }");
    type Product = { id: string; quantityAvailable: number; archived: boolean };
    const product = (catalog.data?.products.edges as { node: Product }[])
      .map((e) => e.node)
      .find((p) => !p.archived && p.quantityAvailable > 5)!;
    const placed = await gql(
      url,
      'mutation($input: PlaceOrderInput!) { placeOrder(input: $input, idempotencyKey: "ports-e2e-live") { order { id number } } }',
      {
        token,
        variables: {
          input: {
            lines: [{ productId: product.id, quantity: 1 }],
            shippingAddress: { name: "Live Tester", line1: "1 Road", city: "Town", postalCode: "1000", country: "GB" },
            paymentToken: "tok_visa",
          },
        },
      },
    );
    const order = placed.data?.placeOrder.order as { id: string; number: string };
    expect(order, JSON.stringify(placed)).toBeDefined();
    const confirmed = await notes.waitFor(
      (r) => (r.data?.notificationAdded as { order?: { id: string } } | undefined)?.order?.id === order.id,
    );
    expect(confirmed.data?.notificationAdded).toEqual({
      kind: "ORDER_CONFIRMED",
      order: { id: order.id, number: order.number },
    });

    const updates = await subscribeWs(url, token, "subscription($id: ID!) { orderUpdated(id: $id) { status } }", {
      id: order.id,
    });
    const status = (r: { data?: Record<string, unknown> }) => (r.data?.orderUpdated as { status?: string })?.status;
    await updates.waitFor((r) => status(r) === "PAID");
    const shipped = await gql(url, "mutation($id: ID!) { markOrderShipped(id: $id) { userErrors { code } } }", {
      token: adminToken,
      variables: { id: order.id },
    });
    expect(shipped.data?.markOrderShipped.userErrors, JSON.stringify(shipped)).toEqual([]);
    await updates.waitFor((r) => status(r) === "SHIPPED");
    expect(updates.results.map(status)).toEqual(["PAID", "SHIPPED"]);
    notes.close();
    updates.close();
  }, 90_000);
});
