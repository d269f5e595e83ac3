import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedCustomer } from "@shopgraph/fixtures";
import { gql } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";

let stack: Stack;
let token: string;
beforeAll(async () => {
  stack = await startStack({ gatewayEnv: { RATE_LIMIT_ENABLED: "false", BREAKER_FAILURE_THRESHOLD: "2", BREAKER_OPEN_MS: "300", SUBGRAPH_TIMEOUT_MS: "2000" } });
  const login = await gql(stack.url, `mutation { login(input: { email: "${seedCustomer.email}", password: "${DEMO_PASSWORDS.customer}" }) { session { accessToken } } }`);
  token = login.data?.login.session.accessToken;
});
afterAll(() => stack?.close());

const MIXED = "{ categories { slug } me { name unreadNotificationCount } }";

describe("a subgraph goes down", () => {
  it("serves what it can, codes the rest, and recovers by itself when the subgraph returns", async () => {
    expect((await gql(stack.url, MIXED, { token })).errors).toBeUndefined();
    const port = new URL(stack.notifications.url).port;
    await stack.notifications.close();

    const started = Date.now();
    const partial = await gql(stack.url, MIXED, { token });
    expect(partial.status).toBe(200);
    expect(partial.data?.categories.length).toBeGreaterThan(0);
    expect(partial.errors?.[0]?.extensions?.code).toBe("SUBGRAPH_UNAVAILABLE");
    expect(JSON.stringify(partial.errors)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|serviceName/);
    expect(Date.now() - started).toBeLessThan(2_000 + 1_000);

    // Queries that do not touch the missing subgraph are untouched.
    const orders = await gql(stack.url, "{ me { name orders(first: 1) { totalCount } } }", { token });
    expect(orders.errors).toBeUndefined();

    // Repeated failures open the circuit: calls fail fast instead of waiting on the network.
    for (let i = 0; i < 3; i++) await gql(stack.url, MIXED, { token });
    const fast = await gql(stack.url, MIXED, { token });
    expect(fast.errors?.[0]?.extensions?.code).toBe("SUBGRAPH_UNAVAILABLE");

    await stack.restartNotifications(port);
    let recovered = false;
    for (let i = 0; i < 50 && !recovered; i++) {
      const res = await gql(stack.url, MIXED, { token });
      recovered = res.errors === undefined && typeof res.data?.me?.unreadNotificationCount === "number";
      if (!recovered) await new Promise((r) => setTimeout(r, 100));
    }
    expect(recovered).toBe(true);
  });
});
