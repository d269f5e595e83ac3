import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedUsers } from "@shopgraph/fixtures";
import { gql } from "@shopgraph/testing";
import { THROTTLE_TEST_LIMITS } from "../../../subgraphs/users/test/throttle-limits.ts";
import { startStack, type Stack } from "./stack.ts";

// Issue #13 finding 3 through the whole stack: the gateway forwards the client's address, users
// throttles failed logins per (account, IP) and per account, and notifications e-mails the owner.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    // Behind a proxy the client address comes from x-forwarded-for: three "source IPs" from one test.
    gatewayEnv: { TRUST_PROXY: "true", RATE_LIMIT_CREDENTIAL_ATTEMPTS: "1000" },
    subgraphEnv: THROTTLE_TEST_LIMITS,
  });
});
afterAll(() => stack?.close());

const LOGIN = "mutation($i: LoginInput!) { login(input: $i) { session { user { id } } userErrors { code message } } }";

async function login(
  url: string,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<string | null> {
  const res = await gql(url, LOGIN, { variables: { i: { email, password } }, headers, credential: null });
  if (!res.data?.login) throw new Error(`login failed (${res.status}): ${JSON.stringify(res.errors)}`);
  return res.data.login.session ? null : res.data.login.userErrors[0].code;
}

describe("login throttle through the gateway", () => {
  it("30 wrong passwords from 3 IPs are throttled, the right one refused during the lock and not after, the owner e-mailed", async () => {
    const victim = seedUsers[7]!;
    const codes: (string | null)[] = [];
    for (let i = 0; i < 30; i++) {
      codes.push(
        await login(stack.url, victim.email, "not the password!!", { "x-forwarded-for": `203.0.113.${1 + (i % 3)}` }),
      );
    }
    expect(codes.filter((c) => c === "INVALID_CREDENTIALS")).toHaveLength(12);
    expect(codes.slice(12)).toEqual(Array(18).fill("TOO_MANY_ATTEMPTS"));
    expect(await login(stack.url, victim.email, DEMO_PASSWORDS.customer, { "x-forwarded-for": "198.51.100.77" })).toBe(
      "TOO_MANY_ATTEMPTS",
    );

    const started = Date.now();
    let code: string | null = "TOO_MANY_ATTEMPTS";
    while (code !== null && Date.now() - started < 6_000) {
      await new Promise((r) => setTimeout(r, 250));
      code = await login(stack.url, victim.email, DEMO_PASSWORDS.customer, { "x-forwarded-for": "198.51.100.77" });
    }
    expect(code).toBeNull();

    // users' outbox → relay → notifications consumer → a queued and sent EMAIL delivery.
    let delivery = null;
    for (let i = 0; i < 80 && !delivery; i++) {
      const where = { userId: victim.id, kind: "ACCOUNT_LOCKED", channel: "EMAIL" } as const;
      delivery = await stack.notifications.db.delivery.findFirst({ where });
      if (!delivery) await new Promise((r) => setTimeout(r, 250));
    }
    expect(delivery).toMatchObject({ recipient: victim.email, subject: "Sign-in to your account was paused" });
    expect(delivery?.body).toContain("12 failed sign-in attempts");
  });

  it("believes only the x-forwarded-for entry the trusted proxy appended: rotating the left part does not dodge the lock", async () => {
    const email = seedUsers[9]!.email;
    const codes = [];
    for (let i = 0; i < 6; i++) {
      codes.push(
        await login(stack.url, email, "not the password!!", { "x-forwarded-for": `10.1.1.${i}, 203.0.113.200` }),
      );
    }
    expect(codes).toEqual([...Array(5).fill("INVALID_CREDENTIALS"), "TOO_MANY_ATTEMPTS"]);
  });

  it("ignores a client-sent client-IP header: the gateway sets it from the connection", async () => {
    // A gateway without TRUST_PROXY: every request here comes from 127.0.0.1, whatever the client claims.
    const direct = await stack.startAnotherGateway({ TRUST_PROXY: "false", RATE_LIMIT_CREDENTIAL_ATTEMPTS: "1000" });
    const email = seedUsers[8]!.email;
    const codes = [];
    for (let i = 0; i < 6; i++) {
      const forged = { "x-shopgraph-client-ip": `10.9.8.${i}`, "x-forwarded-for": `10.9.9.${i}` };
      codes.push(await login(direct.graphqlUrl, email, "not the password!!", forged));
    }
    expect(codes).toEqual([...Array(5).fill("INVALID_CREDENTIALS"), "TOO_MANY_ATTEMPTS"]);
  });
});

describe("sign-up enumeration is bounded per IP", () => {
  it("register (which answers EMAIL_TAKEN) spends the per-IP credential bucket like login: 429 after the limit", async () => {
    const gateway = await stack.startAnotherGateway({
      RATE_LIMIT_CREDENTIAL_ATTEMPTS: "3",
      REDIS_KEY_PREFIX: `${stack.redis.prefix}su:`,
    });
    const probe = (email: string) =>
      gql(gateway.graphqlUrl, "mutation($i: RegisterInput!) { register(input: $i) { userErrors { code } } }", {
        variables: { i: { email, password: "violet-harbor-engine-42", name: "Probe" } },
        credential: null,
      });
    const answers = [];
    const emails = [seedUsers[1]!.email, seedUsers[2]!.email, "free-address@example.com", seedUsers[3]!.email];
    for (const email of emails) answers.push(await probe(email));
    expect(answers.slice(0, 3).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(answers[0]!.data?.register.userErrors).toEqual([{ code: "EMAIL_TAKEN" }]);
    expect(answers[3]!.status).toBe(429);
    expect(answers[3]!.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
  });
});
