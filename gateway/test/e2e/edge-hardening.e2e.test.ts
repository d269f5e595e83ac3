// Issue #13 findings 1, 5, 6, 7, 8: each attack from the pentest, sent for real, and its refusal.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSchema, isIntrospectionType, isSpecifiedScalarType } from "graphql";
import { SERVICE_TOKEN_HEADER } from "@shopgraph/auth";
import { gql } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";
import { countingFetcher } from "./subgraph-calls.ts";

const SERVICE_TOKEN = "e2e-service-token-0123456789abcdef0123";
const calls = countingFetcher();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ gatewayDeps: { wrapFetcher: calls.wrap }, gatewayEnv: { RATE_LIMIT_ENABLED: "false" } });
});
afterAll(() => stack?.close());

type Body = {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string; limit?: string; field?: string[] } }[];
};

/** POSTs a raw JSON body (any shape) and reports status, parsed body, size and subgraph fetches. */
async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const before = calls.total();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: JSON.parse(text) as Body,
    bytes: Buffer.byteLength(text),
    fetched: calls.total() - before,
  };
}

const login = (alias: string) =>
  `${alias}: login(input: { email: "${alias}@example.com", password: "guess-${alias}-123456" }) { userErrors { code } }`;
const aliases = (n: number, prefix = "g") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("finding 1: credential fields however the document reaches them", () => {
  it.each([
    ["aliases", `mutation { ${login("a")} ${login("b")} }`],
    [
      "a named fragment",
      `mutation { ...Guesses } fragment Guesses on Mutation { ${aliases(20).map(login).join(" ")} }`,
    ],
    ["inline fragments", `mutation { ... on Mutation { ${login("a")} } ... { ${login("b")} } }`],
    [
      "nested fragments",
      `mutation { ...A } fragment A on Mutation { ...B ${login("a")} } fragment B on Mutation { ... on Mutation { ${login("b")} } }`,
    ],
    ["one fragment spread twice", `mutation { ...A ...A } fragment A on Mutation { ${login("a")} }`],
    [
      "register in fragments (15 sign-ups)",
      `mutation { ...R } fragment R on Mutation { ${aliases(15, "r")
        .map(
          (a) =>
            `${a}: register(input: { email: "${a}@example.com", password: "long-enough-password-1", name: "R" }) { userErrors { code } }`,
        )
        .join(" ")} }`,
    ],
  ])(
    "refuses two or more credential fields per operation via %s: 400, coded, no subgraph call",
    async (_how, query) => {
      const res = await post(stack.url, { query });
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
      expect(res.body.errors?.[0]?.extensions?.limit).toBe("credentialFields");
      expect(res.fetched).toBe(0);
    },
  );

  it("counts a field kept by @include/@skip variables and ignores one they certainly skip", async () => {
    const query = `mutation($in: Boolean!, $out: Boolean!) { ${login("a")} ... @include(if: $in) { ${login("b")} } ... @skip(if: $out) { ${login("c")} } }`;
    const included = await post(stack.url, { query, variables: { in: true, out: true } });
    expect(included.status).toBe(400);
    expect(included.body.errors?.[0]?.extensions?.limit).toBe("credentialFields");
    const skipped = await post(stack.url, { query, variables: { in: false, out: true } });
    expect(skipped.status).toBe(200);
    expect(skipped.fetched).toBeGreaterThan(0);
  });

  it("spends the per-IP credential bucket for logins inside fragments (3 per window → the 4th is 429)", async () => {
    const gw = await stack.startAnotherGateway({
      RATE_LIMIT_ENABLED: "true",
      RATE_LIMIT_CREDENTIAL_ATTEMPTS: "3",
      REDIS_KEY_PREFIX: `${stack.redis.prefix}frag:`,
    });
    const query = `mutation { ...A } fragment A on Mutation { ...B } fragment B on Mutation { ... on Mutation { ${login("x")} } }`;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(gw.graphqlUrl, { query })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it("charges every occurrence when the cap is raised: 20 guesses in one request exceed a bucket of 10", async () => {
    const gw = await stack.startAnotherGateway({
      RATE_LIMIT_ENABLED: "true",
      MAX_CREDENTIAL_FIELDS: "20",
      RATE_LIMIT_CREDENTIAL_ATTEMPTS: "10",
      REDIS_KEY_PREFIX: `${stack.redis.prefix}twenty:`,
    });
    const res = await post(gw.graphqlUrl, {
      query: `mutation { ...G } fragment G on Mutation { ${aliases(20).map(login).join(" ")} }`,
    });
    expect(res.status).toBe(429);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
  });
});

describe("finding 5: /metrics is not on any public port", () => {
  it("answers 404 on the public port of the gateway and of every subgraph; each metrics port answers", async () => {
    const processes = [stack.gateway, stack.users, stack.products, stack.orders, stack.notifications];
    for (const p of processes) {
      const pub = await fetch(`${p.url}/metrics`);
      expect(pub.status, p.url).toBe(404);
      expect(await pub.text()).not.toMatch(/nodejs_|graphql_requests_total/);
      expect(p.metricsUrl, p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      expect(new URL(p.metricsUrl!).port).not.toBe(new URL(p.url).port);
      const scrape = await fetch(p.metricsUrl!);
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toMatch(/^http_requests_total/m);
    }
  });

  it("requires the bearer token when METRICS_TOKEN is set", async () => {
    const token = "metrics-token-0123456789abcdef";
    const gw = await stack.startAnotherGateway({ METRICS_TOKEN: token });
    expect((await fetch(gw.metricsUrl!)).status).toBe(401);
    expect(
      (await fetch(gw.metricsUrl!, { headers: { authorization: "Bearer wrong-token-0123456789abc" } })).status,
    ).toBe(401);
    const ok = await fetch(gw.metricsUrl!, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect((await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
  });
});

describe("finding 6: production validation errors name only what the client wrote (clairvoyance)", () => {
  const api = buildSchema(readFileSync(new URL("../../../schema/api.graphql", import.meta.url), "utf8"));
  const schemaNames = Object.values(api.getTypeMap())
    .filter((t) => !isIntrospectionType(t) && !isSpecifiedScalarType(t))
    .map((t) => t.name);
  // The probes clairvoyance-style tools send: each answer used to leak a type, argument or input field.
  const probes: [string, Record<string, unknown>?][] = [
    ["{ me { zzz } }"],
    ["{ categories { slug { x } } }"],
    ["{ me }"],
    ["{ product(idd: 1) { id } }"],
    ["{ category { name } }"],
    ['mutation { login(input: { emai: "a@example.com" }) { userErrors { code } } }'],
    ["{ products(sortKey: FOO) { totalCount } }"],
    ['{ products(first: "x") { totalCount } }'],
    ["query($x: Int) { category(slug: $x) { name } }", { x: 1 }],
    ["{ me { ... on Category { name } } }"],
    ["{ categories { slug: name slug } }"],
    ["mutation($i: LoginInput!) { login(input: $i) { userErrors { code } } }", { i: { email: "a@example.com" } }],
  ];
  let prod: Awaited<ReturnType<Stack["startAnotherGateway"]>>;
  beforeAll(async () => {
    prod = await stack.startAnotherGateway({
      NODE_ENV: "production",
      RATE_LIMIT_ENABLED: "false",
      GATEWAY_TOKEN: "edge-e2e-gateway-token-0123456789abcdef",
    });
  });

  it.each(probes)("masks %s", async (query, variables) => {
    const sent = JSON.stringify({ query, variables });
    const res = await post(prod.graphqlUrl, { query, variables });
    expect(res.status).toBe(400);
    expect(res.body.errors?.length).toBeGreaterThan(0);
    for (const error of res.body.errors ?? []) {
      expect(["GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"]).toContain(error.extensions?.code);
      // Every quoted name in the answer is one the client sent; no schema type it did not write appears at all.
      for (const [, quoted] of error.message.matchAll(/"([^"]+)"/g))
        expect(sent, error.message).toContain(quoted!.replace(/^\$/, ""));
      for (const name of schemaNames)
        if (!sent.includes(name))
          expect(error.message, `${error.message} names ${name}`).not.toMatch(new RegExp(`\\b${name}\\b`));
    }
  });

  it("keeps graphql-js's full messages in development", async () => {
    const res = await post(stack.url, { query: "{ me { zzz } }" });
    expect(res.body.errors?.[0]?.message).toContain('on type "User"');
  });
});

describe("finding 7: validation errors are capped", () => {
  it("answers 200 @include directives on one field with one small error", async () => {
    const query = `query($v: Boolean!) { categories { slug ${"@include(if: $v) ".repeat(200)} } }`;
    const res = await post(stack.url, { query, variables: { v: true } });
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(res.body.errors?.[0]?.extensions?.limit).toBe("directives");
    expect(res.bytes).toBeLessThan(500);
    expect(res.fetched).toBe(0);
  });

  it("caps distinct validation errors at MAX_VALIDATION_ERRORS (default 10)", async () => {
    const res = await post(stack.url, { query: `{ categories { ${aliases(28, "nope").join(" ")} } }` });
    expect(res.status).toBe(400);
    expect(res.body.errors?.length).toBeLessThanOrEqual(10);
    expect(res.body.errors?.at(-1)?.message).toMatch(/Too many validation errors/);
    expect(res.bytes).toBeLessThan(2_000);
  });
});

describe("finding 8: client input never becomes a server error", () => {
  const direct = (subgraph: "products" | "users" = "products") => `${stack[subgraph].url}/graphql`;
  const asGateway = { [SERVICE_TOKEN_HEADER]: SERVICE_TOKEN };

  it.each([
    [
      "a NUL byte in a variable",
      { query: "query($q: String) { products(query: $q) { totalCount } }", variables: { q: "lamp\u0000" } },
      "products",
    ],
    [
      "an unpaired surrogate in a variable",
      { query: "query($q: String) { products(query: $q) { totalCount } }", variables: { q: "lamp\ud800" } },
      "products",
    ],
    [
      "a NUL byte in a nested input variable",
      {
        query: "mutation($i: LoginInput!) { login(input: $i) { userErrors { code } } }",
        variables: { i: { email: "a\u0000@example.com", password: "x" } },
      },
      "users",
    ],
    ["a NUL escape in an inline literal", { query: '{ products(query: "lamp\\u0000") { totalCount } }' }, "products"],
    ["a NUL escape in an inline slug", { query: '{ category(slug: "x\\u0000") { name } }' }, "products"],
  ] as const)(
    "%s is 400 BAD_USER_INPUT at the gateway and at a subgraph, before any resolver",
    async (_what, body, subgraph) => {
      const viaGateway = await post(stack.url, body);
      expect(viaGateway.status).toBe(400);
      expect(viaGateway.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(viaGateway.fetched).toBe(0);
      const atSubgraph = await post(direct(subgraph), body, asGateway);
      expect(atSubgraph.status).toBe(400);
      expect(atSubgraph.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    },
  );

  it("accepts ordinary non-ASCII text (a surrogate pair is fine)", async () => {
    const res = await post(stack.url, {
      query: "query($q: String) { products(query: $q) { totalCount } }",
      variables: { q: "lampe 💡 café" },
    });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
  });

  it("answers two operations without operationName with 400, not 500", async () => {
    const body = { query: "query A { categories { slug } } query B { categories { name } }" };
    for (const url of [stack.url, direct()]) {
      const res = await post(url, body, url === stack.url ? {} : asGateway);
      expect(res.status, url).toBe(400);
      expect(res.body.errors?.[0]?.extensions?.code).toBe("OPERATION_RESOLUTION_FAILURE");
      expect(res.body.errors?.[0]?.message).toMatch(/operationName/);
    }
    const chosen = await post(stack.url, { ...body, operationName: "B" });
    expect(chosen.status).toBe(200);
  });

  it("answers an APQ hash that does not match its query like Apollo Server: 400 BAD_REQUEST", async () => {
    const query = `{ categories { slug } } # ${Date.now()}`;
    const wrong = createHash("sha256").update("something else").digest("hex");
    const res = await post(stack.url, { query, extensions: { persistedQuery: { version: 1, sha256Hash: wrong } } });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
    expect(res.body.errors?.[0]?.message).toBe("provided sha does not match query");
    // Nothing was registered under the wrong hash.
    const replay = await post(stack.url, { extensions: { persistedQuery: { version: 1, sha256Hash: wrong } } });
    expect(replay.body.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
  });
});

describe("the contract's real operations still pass", () => {
  it("one login, and a query with a few directives", async () => {
    const one = await gql(stack.url, `mutation { ${login("ok")} }`);
    expect(one.status).toBe(200);
    expect(one.data?.ok?.userErrors?.[0]?.code).toBe("INVALID_CREDENTIALS");
    const directives = await gql(
      stack.url,
      "query($v: Boolean!) { categories { slug @include(if: $v) name @skip(if: $v) } }",
      { variables: { v: true } },
    );
    expect(directives.errors).toBeUndefined();
  });
});
