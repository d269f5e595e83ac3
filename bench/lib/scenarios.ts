import { createHash } from "node:crypto";
import { request as httpRequest } from "node:http";
import { seedProducts } from "@shopgraph/fixtures";
import { CREDENTIAL_HEADERS } from "./credentials.ts";
import type { LoadRequest } from "./load.ts";
import { orderLines, PLACE_ORDER, placeOrderVariables } from "./seed-data.ts";
import type { SubgraphName } from "./stack.ts";
import type { TokenPool } from "./tokens.ts";

/** A response as a scenario's check sees it. */
export interface Probe {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
  bytes: number;
}

/** One load scenario. */
export interface Scenario {
  id: string;
  title: string;
  /** The subgraph that can answer the same operation directly (single-subgraph scenarios). */
  direct?: SubgraphName;
  /** Fixed arrival rate (requests/s); unset = closed loop at full speed. */
  overallRate?: number;
  /** Load-generator connections, when not the run's default (1 = unloaded latency). */
  connections?: number;
  /** Run length relative to --seconds (slow scenarios get more samples). */
  durationFactor?: number;
  /** Quiet time that ends a run's accounting; longer where work continues after the response (events). */
  settleMs?: number;
  next(): LoadRequest;
  /** Says whether one response (from `target`) is what the scenario expects; returns a short verdict. */
  check(probe: Probe, target: string): { ok: boolean; note: string };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const bearer = (pool: TokenPool) => ({ authorization: `Bearer ${pool.next()}` });
const noErrors = (p: Probe) => p.status === 200 && !p.body.errors?.length && !!p.body.data;
const kb = (p: Probe) => `${(p.bytes / 1024).toFixed(1)} KB`;

/** The single-subgraph small query: one product by id (anonymous). */
export const SMALL_QUERY = `query Product($id: ID!) { product(id: $id) { id title price { amount currencyCode } inStock } }`;
const smallProductId = seedProducts.find((p) => !p.archived)!.id;

/** The admin dashboard: 100 orders with lines, products, categories and customers, plus deliveries. */
export const HEAVY_QUERY = `query AdminDashboard {
  orders(first: 100) { edges { node {
    number
    total { amount currencyCode }
    items { title product { title price { amount currencyCode } category { name } } }
    customer { name email }
  } } }
  deliveries(first: 50) { edges { node { channel kind recipient status createdAt } } }
}`;

/** N orders (orders subgraph), then one `_entities` call to users with N User representations. */
const FANOUT_QUERY = `query FanOut($n: Int!) { orders(first: $n) { edges { node { number customer { id name } } } } }`;

/** Diagnostic only: N users, then `User.orders` resolved by the orders subgraph for each of them. */
export const USER_ORDERS_FANOUT_QUERY = `query UserOrders($n: Int!) { users(first: $n) { edges { node { id name orders(first: 1) { totalCount } } } } }`;

const ME_QUERY = `query Me { me { id name email unreadNotificationCount orders(first: 5) { totalCount edges { node { number status total { amount currencyCode } } } } } }`;

/** `me { orders { edges { node { customer { orders … } } } } }`: depth 2 + 4 per level. */
export function deepQuery(levels: number): string {
  let inner = "id";
  for (let i = 0; i < levels; i++) inner = `orders { edges { node { customer { ${inner} } } } }`;
  return `query TooDeep { me { ${inner} } }`;
}
const DEEP_QUERY = deepQuery(5);

/** What the scenarios draw tokens from. */
export interface ScenarioTokens {
  admin: TokenPool;
  customers: TokenPool;
}

/** Every scenario of the issue, (a) to (g). */
export function createScenarios(tokens: ScenarioTokens, orderRate: number): Scenario[] {
  const smallBody = JSON.stringify({ query: SMALL_QUERY, variables: { id: smallProductId } });
  const apqBody = APQ_REGISTRATION.hashOnly;
  const heavyBody = JSON.stringify({ query: HEAVY_QUERY });
  const fanout = (n: number): Scenario => ({
    id: `fanout-${n}`,
    title: `(c) entity fan-out N=${n} (orders → users _entities)`,
    next: () => ({ headers: bearer(tokens.admin), body: JSON.stringify({ query: FANOUT_QUERY, variables: { n } }) }),
    check: (p) => {
      const edges = (p.body.data?.orders as { edges?: unknown[] } | undefined)?.edges ?? [];
      return { ok: noErrors(p) && edges.length === n, note: `${edges.length} orders, ${kb(p)}` };
    },
  });
  let order = 0;
  return [
    {
      id: "small",
      title: "(a) single-subgraph small query (products)",
      direct: "products",
      next: () => ({ headers: {}, body: smallBody }),
      check: (p) => ({ ok: noErrors(p) && !!p.body.data?.product, note: kb(p) }),
    },
    {
      id: "small-serial",
      title: "(a) same small query over 1 connection (unloaded latency: the gateway's own overhead)",
      direct: "products",
      connections: 1,
      next: () => ({ headers: {}, body: smallBody }),
      check: (p) => ({ ok: noErrors(p) && !!p.body.data?.product, note: kb(p) }),
    },
    {
      id: "heavy",
      title: "(b) heavy federated query, 4 subgraphs, unique admin token per request",
      durationFactor: 1.5,
      next: () => ({ headers: bearer(tokens.admin), body: heavyBody }),
      check: (p) => {
        const edges = (p.body.data?.orders as { edges?: unknown[] } | undefined)?.edges ?? [];
        return { ok: noErrors(p) && edges.length === 100, note: `${edges.length} orders, ${kb(p)}` };
      },
    },
    fanout(10),
    fanout(100),
    {
      id: "apq",
      title: "(d) APQ hash-only (small query)",
      next: () => ({ headers: {}, body: apqBody }),
      check: (p) => ({ ok: noErrors(p) && !!p.body.data?.product, note: kb(p) }),
    },
    {
      id: "auth",
      title: "(e) authenticated `me`, unique customer token per request (users, orders, notifications)",
      next: () => ({ headers: bearer(tokens.customers), body: JSON.stringify({ query: ME_QUERY }) }),
      check: (p) => ({ ok: noErrors(p) && !!p.body.data?.me, note: kb(p) }),
    },
    {
      id: "place-order",
      title: `(f) placeOrder at a fixed ${orderRate} req/s (unique customer token and idempotency key)`,
      overallRate: orderRate,
      // Notifications handles the order's events after the response; that work is counted here too.
      settleMs: 1_200,
      next: () => ({
        headers: bearer(tokens.customers),
        body: JSON.stringify({ query: PLACE_ORDER, variables: placeOrderVariables(order, orderLines(order++)) }),
      }),
      check: (p) => {
        const payload = p.body.data?.placeOrder as { order?: { status?: string } | null } | undefined;
        return { ok: noErrors(p) && payload?.order?.status === "PAID", note: payload?.order?.status ?? "no order" };
      },
    },
    {
      id: "deep",
      title: "(g) over-deep query (depth 22, anonymous)",
      next: () => ({ headers: {}, body: JSON.stringify({ query: DEEP_QUERY }) }),
      // Shopgraph must reject it; the others have no depth limit by default and execute it (data: me = null).
      check: (p, target) => {
        const code = p.body.errors?.[0]?.extensions?.code;
        if (code) return { ok: p.status === 400, note: `${p.status} ${code}` };
        return { ok: target !== "shopgraph", note: `${p.status} executed (no depth limit)` };
      },
    },
  ];
}

/** The APQ scenario's registration request (full query + hash) and the hash → query map for Hive. */
export const APQ_REGISTRATION = {
  body: JSON.stringify({
    query: SMALL_QUERY,
    variables: { id: smallProductId },
    extensions: { persistedQuery: { version: 1, sha256Hash: sha256(SMALL_QUERY) } },
  }),
  hashOnly: JSON.stringify({
    variables: { id: smallProductId },
    extensions: { persistedQuery: { version: 1, sha256Hash: sha256(SMALL_QUERY) } },
  }),
  documents: { [sha256(SMALL_QUERY)]: SMALL_QUERY },
};

/** Sends one request of a scenario and parses the answer (keep-alive connection). */
export async function probe(url: string, request: LoadRequest): Promise<Probe> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...CREDENTIAL_HEADERS, ...request.headers },
    body: request.body,
  });
  return parse(res.status, await res.text());
}

/**
 * Sends one request on a connection of its own. Behind node:cluster every new connection may
 * land on another worker, so per-worker state (Apollo's in-memory APQ store) is reached by
 * sending a few of these.
 */
export function probeOnNewConnection(url: string, request: LoadRequest): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", connection: "close", ...CREDENTIAL_HEADERS, ...request.headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve(parse(res.statusCode ?? 0, text)));
      },
    );
    req.on("error", reject);
    req.end(request.body);
  });
}

function parse(status: number, text: string): Probe {
  let body: Probe["body"];
  try {
    body = JSON.parse(text) as Probe["body"];
  } catch {
    body = { errors: [{ message: `non-JSON: ${text.slice(0, 200)}` }] };
  }
  return { status, body, bytes: Buffer.byteLength(text) };
}
