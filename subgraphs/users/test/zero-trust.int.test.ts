import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedCustomer } from "@shopgraph/fixtures";
import { DEV_GATEWAY_TOKEN } from "@shopgraph/auth";
import { gql } from "@shopgraph/testing";
import { startTestUsers } from "./harness.ts";

// Rotation in progress: each list is "current,previous" and both entries must be accepted.
const GATEWAY = {
  current: "g-current-0123456789abcdef0123456789abcdef",
  previous: "g-previous-0123456789abcdef0123456789abcd",
};
const SERVICE = {
  current: "s-current-0123456789abcdef0123456789abcdef",
  previous: "s-previous-0123456789abcdef0123456789abcd",
};
const CREDENTIALS = {
  GATEWAY_TOKEN: `${GATEWAY.current},${GATEWAY.previous}`,
  SERVICE_TOKEN: `${SERVICE.current},${SERVICE.previous}`,
};

let users: Awaited<ReturnType<typeof startTestUsers>>;
let strict: Awaited<ReturnType<typeof startTestUsers>>;
beforeAll(async () => {
  [users, strict] = await Promise.all([
    startTestUsers(CREDENTIALS),
    startTestUsers({ ...CREDENTIALS, MAX_COST: "50", MAX_DEPTH: "4" }),
  ]);
});
afterAll(async () => {
  await users?.close();
  await strict?.close();
});

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } } }`;
const customerRef = { __typename: "User", id: seedCustomer.id };
const LOGIN_CALL = `login(input: { email: "${seedCustomer.email}", password: "${DEMO_PASSWORDS.customer}" })`;
const LOGIN = `${LOGIN_CALL} { userErrors { code } }`;
const code = (res: { errors?: { extensions?: Record<string, unknown> }[] | undefined }) =>
  res.errors?.[0]?.extensions?.code;
const limit = (res: { errors?: { extensions?: Record<string, unknown> }[] | undefined }) =>
  res.errors?.[0]?.extensions?.limit;

describe("every request needs a service credential", () => {
  it.each([
    ["a query", "{ me { id } }", undefined],
    ["the SDL (_service)", "{ _service { sdl } }", undefined],
    ["an entity fetch (_entities)", ENTITIES, { r: [customerRef] }],
    ["a login", `mutation { ${LOGIN} }`, undefined],
  ])("refuses %s without one: 401 UNAUTHENTICATED, nothing answered", async (_what, query, variables) => {
    const res = await gql(users.graphqlUrl, query, { credential: null, ...(variables ? { variables } : {}) });
    expect(res.status).toBe(401);
    expect(code(res)).toBe("UNAUTHENTICATED");
    expect(res.data).toBeUndefined();
  });

  it("refuses an unknown credential with 403 FORBIDDEN, the development default included, even with a valid user token", async () => {
    const signIn = `mutation { ${LOGIN_CALL} { session { accessToken } } }`;
    const session = (await gql(users.graphqlUrl, signIn, { credential: GATEWAY.current })).data?.login.session;
    for (const credential of ["x".repeat(48), DEV_GATEWAY_TOKEN, `${GATEWAY.current},${GATEWAY.previous}`, ""]) {
      const res = await gql(users.graphqlUrl, "{ me { id } _service { sdl } }", {
        credential,
        token: session.accessToken,
      });
      expect([res.status, code(res)]).toEqual(credential === "" ? [401, "UNAUTHENTICATED"] : [403, "FORBIDDEN"]);
      expect(res.data).toBeUndefined();
    }
  });

  it("refuses before reading the body: a malformed body and a GET without a credential get the same 401", async () => {
    const post = await fetch(users.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(post.status).toBe(401);
    expect(((await post.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      "UNAUTHENTICATED",
    );
    const url = `${users.graphqlUrl}?query=${encodeURIComponent("{ _service { sdl } }")}`;
    const get = await fetch(url, { headers: { "apollo-require-preflight": "1" } });
    expect(get.status).toBe(401);
    expect(await get.text()).not.toContain("type Query");
  });

  it("keeps /healthz and /readyz open (probes carry no credential)", async () => {
    for (const path of ["/healthz", "/readyz"]) expect((await fetch(`${users.url}${path}`)).status).toBe(200);
  });

  it("accepts the current and the previous token of both credentials (rotation without downtime)", async () => {
    for (const credential of [GATEWAY.current, GATEWAY.previous, SERVICE.current, SERVICE.previous]) {
      const sdl = await gql(users.graphqlUrl, "{ _service { sdl } }", { credential });
      expect(sdl.status).toBe(200);
      expect(sdl.data?._service.sdl).toContain("type User");
      const entities = await gql(users.graphqlUrl, ENTITIES, { credential, variables: { r: [customerRef] } });
      expect(entities.data?._entities).toEqual([{ id: seedCustomer.id, name: seedCustomer.name }]);
    }
  });
});

describe("the subgraph enforces operation limits itself (with a valid credential)", () => {
  const send = (query: string, options: { variables?: Record<string, unknown>; on?: typeof users } = {}) => {
    const variables = options.variables ? { variables: options.variables } : {};
    return gql((options.on ?? users).graphqlUrl, query, { credential: GATEWAY.current, ...variables });
  };

  it("refuses a 27,000-field document at the parser: 400 GRAPHQL_PARSE_FAILED", async () => {
    const res = await send(`{ ${Array.from({ length: 27_000 }, (_, i) => `f${i}: __typename`).join(" ")} }`);
    expect(res.status).toBe(400);
    expect(code(res)).toBe("GRAPHQL_PARSE_FAILED");
  });

  it("refuses a 27,000-node query built from a few fragments: 400 GRAPHQL_VALIDATION_FAILED (fields), quickly", async () => {
    const thirty = (body: string) => Array.from({ length: 30 }, () => body).join(" ");
    const fragments = [
      `fragment C on User { ${thirty("...B")} }`,
      `fragment B on User { ${thirty("...A")} }`,
      `fragment A on User { ${thirty("id")} }`,
    ].join(" ");
    const query = `query { me { ...C } } ${fragments}`;
    const startedAt = performance.now();
    const res = await send(query);
    expect(res.status).toBe(400);
    expect([code(res), limit(res)]).toEqual(["GRAPHQL_VALIDATION_FAILED", "fields"]);
    expect(performance.now() - startedAt).toBeLessThan(2_000);
  });

  it("refuses a query deeper than MAX_DEPTH (15): 400 with limit depth", async () => {
    const nested = (depth: number): string => (depth === 0 ? "name" : `ofType { ${nested(depth - 1)} }`);
    const res = await send(`{ __schema { types { fields { type { ${nested(14)} } } } } }`);
    expect(res.status).toBe(400);
    expect([code(res), limit(res)]).toEqual(["GRAPHQL_VALIDATION_FAILED", "depth"]);
  });

  it("refuses 20 aliased logins, also in fragments and behind @include: 400 credentialFields, no attempt made", async () => {
    const aliased = `mutation { ${Array.from({ length: 20 }, (_, i) => `l${i}: ${LOGIN}`).join(" ")} }`;
    const tries = `fragment Tries on Mutation { first: ${LOGIN_CALL} @include(if: $yes) { userErrors { code } } }`;
    const fragments = `mutation($yes: Boolean!) { ...Tries ... on Mutation { second: ${LOGIN} } } ${tries}`;
    for (const [query, variables] of [
      [aliased, undefined],
      [fragments, { yes: true }],
    ] as const) {
      const res = await send(query, variables ? { variables } : {});
      expect(res.status).toBe(400);
      expect([code(res), limit(res)]).toEqual(["GRAPHQL_VALIDATION_FAILED", "credentialFields"]);
      expect(res.data).toBeUndefined();
    }
    // What the gateway lets through, one login per operation, still works (the skipped one does not count).
    const one = await send(fragments, { variables: { yes: false } });
    expect(one.status).toBe(200);
    expect(one.data?.second).toEqual({ userErrors: [] });
  });

  it("costs pages by `first` and entity fetches by their representations; MAX_COST and MAX_DEPTH are configurable", async () => {
    const page = await send("query($n: Int) { users(first: $n) { edges { node { id } } } }", {
      variables: { n: 100 },
      on: strict,
    });
    expect(page.status).toBe(400);
    expect([code(page), limit(page)]).toEqual(["GRAPHQL_VALIDATION_FAILED", "cost"]);
    const many = await send(ENTITIES, { variables: { r: Array.from({ length: 30 }, () => customerRef) }, on: strict });
    expect([many.status, code(many), limit(many)]).toEqual([400, "GRAPHQL_VALIDATION_FAILED", "cost"]);
    const few = await send(ENTITIES, { variables: { r: [customerRef, customerRef] }, on: strict });
    expect(few.data?._entities).toHaveLength(2);
    const deep = await send("{ __schema { types { fields { type { name } } } } }", { on: strict });
    expect([deep.status, limit(deep)]).toEqual([400, "depth"]);
    // The default limits admit the same page and a gateway-sized entity fetch.
    expect(
      (await send(ENTITIES, { variables: { r: Array.from({ length: 100 }, () => customerRef) } })).data?._entities,
    ).toHaveLength(100);
  });
});
