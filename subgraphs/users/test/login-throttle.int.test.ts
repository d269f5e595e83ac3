import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_IP_HEADER } from "@shopgraph/auth";
import { DEMO_PASSWORDS, seedUsers } from "@shopgraph/fixtures";
import { registry } from "@shopgraph/metrics";
import { gql, provisionRedis, type TestRedis } from "@shopgraph/testing";
import { startTestUsers } from "./harness.ts";
import { THROTTLE_TEST_LIMITS as LIMITS } from "./throttle-limits.ts";

// Issue #13 finding 3: failed logins are throttled per (account, IP) and per account across IPs.
let redis: TestRedis;
let users: Awaited<ReturnType<typeof startTestUsers>>;

beforeAll(async () => {
  redis = await provisionRedis();
  users = await startTestUsers({
    ...LIMITS,
    ...(redis.url ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix } : {}),
  });
});
afterAll(async () => {
  await users?.close();
  await redis?.cleanup();
});

const customer = (n: number) => seedUsers[n]!.email;

/** A login as the gateway sends it: its credential (gql's default) and the client's address. */
async function login(
  email: string,
  password: string,
  ip: string,
): Promise<{ code: string | null; message: string; role?: string }> {
  const mutation =
    "mutation($i: LoginInput!) { login(input: $i) { session { user { role } } userErrors { code message } } }";
  const res = await gql(users.graphqlUrl, mutation, {
    variables: { i: { email, password } },
    headers: { [CLIENT_IP_HEADER]: ip },
  });
  const payload = res.data?.login;
  if (!payload) throw new Error(`login failed: ${JSON.stringify(res.errors)}`);
  if (payload.session) return { code: null, message: "", role: payload.session.user.role };
  return { code: payload.userErrors[0].code, message: payload.userErrors[0].message };
}

const lockEvents = async (userId: string) =>
  (await users.db.outboxEvent.findMany({ where: { type: "user.login_locked" }, orderBy: { occurredAt: "asc" } }))
    .map(
      (e) =>
        e.payload as { userId: string; scope: string; failures: number; ipAddress: string | null; lockedUntil: string },
    )
    .filter((p) => p.userId === userId);

/** Polls until the right password works again (the lock window passed); returns the wait in ms. */
async function waitUntilAllowed(email: string, ip: string, maxMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const res = await login(email, DEMO_PASSWORDS.customer, ip);
    if (res.code === null) return Date.now() - started;
    expect(res.code).toBe("TOO_MANY_ATTEMPTS");
    if (Date.now() - started > maxMs) throw new Error(`still locked after ${maxMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("login throttle", () => {
  it("throttles 30 wrong passwords from 3 IPs, refuses the right one during the lock, allows it after, and tells the owner", async () => {
    const victim = seedUsers[2]!;
    const ips = ["203.0.113.1", "203.0.113.2", "203.0.113.3"];
    // The registry is per process and int files share a worker: count what this test adds.
    const throttled = async (outcome: string, scope: string) =>
      (await registry.getSingleMetric("users_login_throttle_total")?.get())?.values.find(
        (v) => v.labels.outcome === outcome && v.labels.scope === scope,
      )?.value ?? 0;
    const lockedBefore = await throttled("locked", "ACCOUNT");
    const refusedBefore = await throttled("refused", "ACCOUNT");
    const codes: (string | null)[] = [];
    for (let i = 0; i < 30; i++) codes.push((await login(victim.email, "wrong password guess!", ips[i % 3]!)).code);
    // 12 guesses reached the password check; the account lock refused the other 18 before it.
    expect(codes.slice(0, 12).every((c) => c === "INVALID_CREDENTIALS")).toBe(true);
    expect(codes.slice(12).every((c) => c === "TOO_MANY_ATTEMPTS")).toBe(true);

    // The right password is refused during the lock, from the attackers' IPs and from a new one.
    for (const ip of [ips[0]!, "198.51.100.9"]) {
      const refused = await login(victim.email, DEMO_PASSWORDS.customer, ip);
      expect(refused.code).toBe("TOO_MANY_ATTEMPTS");
      expect(refused.message).toMatch(/^Too many failed sign-in attempts\. Try again in \d+ seconds?\.$/);
    }
    const waited = await waitUntilAllowed(victim.email, "198.51.100.9", 5_000);
    expect(waited).toBeLessThan(3_500);

    const events = await lockEvents(victim.id);
    expect(events).toEqual([expect.objectContaining({ scope: "ACCOUNT", failures: 12 })]);
    expect((await throttled("locked", "ACCOUNT")) - lockedBefore).toBe(1);
    expect((await throttled("refused", "ACCOUNT")) - refusedBefore).toBeGreaterThanOrEqual(20);
  });

  it("locks the (account, IP) pair first: one attacker's IP cannot lock the owner out", async () => {
    const victim = seedUsers[3]!;
    const attacker = "203.0.113.50";
    const codes = [];
    for (let i = 0; i < 7; i++) codes.push((await login(victim.email, "wrong password guess!", attacker)).code);
    expect(codes).toEqual([...Array(5).fill("INVALID_CREDENTIALS"), "TOO_MANY_ATTEMPTS", "TOO_MANY_ATTEMPTS"]);
    expect((await login(victim.email, DEMO_PASSWORDS.customer, attacker)).code).toBe("TOO_MANY_ATTEMPTS");
    expect((await login(victim.email, DEMO_PASSWORDS.customer, "198.51.100.20")).role).toBe("CUSTOMER");
    expect(await lockEvents(victim.id)).toEqual([
      expect.objectContaining({ scope: "ACCOUNT_IP", failures: 5, ipAddress: attacker }),
    ]);
  });

  it("resets the counters on success", async () => {
    const email = customer(4);
    const ip = "203.0.113.60";
    for (let i = 0; i < 4; i++)
      expect((await login(email, "wrong password guess!", ip)).code).toBe("INVALID_CREDENTIALS");
    expect((await login(email, DEMO_PASSWORDS.customer, ip)).code).toBeNull();
    // Four more failures fit again: without the reset the first of them would have locked the pair.
    for (let i = 0; i < 4; i++)
      expect((await login(email, "wrong password guess!", ip)).code).toBe("INVALID_CREDENTIALS");
    expect((await login(email, "wrong password guess!", ip)).code).toBe("INVALID_CREDENTIALS");
    expect((await login(email, DEMO_PASSWORDS.customer, ip)).code).toBe("TOO_MANY_ATTEMPTS");
  });

  it("keeps the owner's known IP out of the account-wide lock", async () => {
    const email = customer(5);
    const home = "192.0.2.10";
    expect((await login(email, DEMO_PASSWORDS.customer, home)).code).toBeNull();
    for (let i = 0; i < 12; i++) await login(email, "wrong password guess!", `203.0.113.${70 + (i % 3)}`);
    expect((await login(email, DEMO_PASSWORDS.customer, "198.51.100.30")).code).toBe("TOO_MANY_ATTEMPTS");
    expect((await login(email, DEMO_PASSWORDS.customer, home)).code).toBeNull();
  });

  it("throttles unknown emails exactly like real ones, and tells no one", async () => {
    const before = await users.db.outboxEvent.count({ where: { type: "user.login_locked" } });
    const codes = [];
    for (let i = 0; i < 6; i++)
      codes.push((await login("nobody-here@example.com", "wrong password guess!", "203.0.113.80")).code);
    expect(codes).toEqual([...Array(5).fill("INVALID_CREDENTIALS"), "TOO_MANY_ATTEMPTS"]);
    expect(await users.db.outboxEvent.count({ where: { type: "user.login_locked" } })).toBe(before);
  });

  it("throttles wrong current passwords in changePassword on the same counters (a stolen token is no password oracle)", async () => {
    const email = customer(9);
    const ip = "203.0.113.100";
    const session = await gql(
      users.graphqlUrl,
      "mutation($i: LoginInput!) { login(input: $i) { session { accessToken } } }",
      {
        variables: { i: { email, password: DEMO_PASSWORDS.customer } },
        headers: { [CLIENT_IP_HEADER]: "192.0.2.99" },
      },
    );
    const token = session.data?.login.session.accessToken as string;
    const change = async (currentPassword: string) =>
      (
        await gql(
          users.graphqlUrl,
          "mutation($i: ChangePasswordInput!) { changePassword(input: $i) { success userErrors { code } } }",
          {
            token,
            variables: { i: { currentPassword, newPassword: "violet-harbor-engine-42" } },
            headers: { [CLIENT_IP_HEADER]: ip },
          },
        )
      ).data?.changePassword;
    const wrong = { success: false, userErrors: [{ code: "INVALID_CREDENTIALS" }] };
    for (let i = 0; i < 5; i++) expect(await change(`guess number ${i} here`)).toEqual(wrong);
    // Locked: even the right current password is refused, and login from that IP shares the lock.
    expect(await change(DEMO_PASSWORDS.customer)).toEqual({
      success: false,
      userErrors: [{ code: "TOO_MANY_ATTEMPTS" }],
    });
    expect((await login(email, DEMO_PASSWORDS.customer, ip)).code).toBe("TOO_MANY_ATTEMPTS");
    // Nothing changed: the old password still signs in from the owner's own address.
    expect((await login(email, DEMO_PASSWORDS.customer, "192.0.2.99")).code).toBeNull();
  });

  it("keys accounts by the normalized email: case and full-width variants share one counter", async () => {
    const email = customer(6);
    const variants = [email, email.toUpperCase(), ` ${email} `, email.replace("c", "\uFF43"), email];
    for (const v of variants)
      expect((await login(v, "wrong password guess!", "203.0.113.90")).code).toBe("INVALID_CREDENTIALS");
    expect((await login(email, DEMO_PASSWORDS.customer, "203.0.113.90")).code).toBe("TOO_MANY_ATTEMPTS");
  });
});
