import { createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedCustomer } from "@shopgraph/fixtures";
import { gql } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";

let stack: Stack;
let token: string;
beforeAll(async () => {
  stack = await startStack({
    gatewayEnv: {
      RATE_LIMIT_ENABLED: "false",
      BREAKER_FAILURE_THRESHOLD: "2",
      BREAKER_OPEN_MS: "3000",
      BREAKER_FIRST_OPEN_MS: "3000",
      SUBGRAPH_TIMEOUT_MS: "2000",
    },
  });
  const login = await gql(
    stack.url,
    `mutation { login(input: { email: "${seedCustomer.email}", password: "${DEMO_PASSWORDS.customer}" }) { session { accessToken } } }`,
  );
  token = login.data?.login.session.accessToken;
});
afterAll(() => stack?.close());

/**
 * A TCP server that accepts connections and never answers, counting the GraphQL requests (POSTs) it
 * receives. The gateway's readiness watcher polls `GET /readyz` on the same port while the circuit is
 * open; those polls are not subgraph calls and are not counted.
 */
async function startBlackHole(port: number) {
  const sockets = new Set<Socket>();
  const hole = {
    graphqlRequests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((socket) => {
    sockets.add(socket);
    // Every request line on the connection counts (a pooled client may send more than one).
    let received = "";
    let counted = 0;
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const posts = received.match(/(^|\r\n)POST /g)?.length ?? 0;
      hole.graphqlRequests += posts - counted;
      counted = posts;
    });
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
  return hole;
}

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

    // Repeated failures open the circuit: calls fail fast instead of waiting on the network. To prove it, a
    // black hole (accepts connections, never answers: a hung subgraph) takes the dead subgraph's port while
    // the circuit is open (3 s): the next call must neither wait for the 2 s subgraph timeout nor reach it.
    for (let i = 0; i < 3; i++) await gql(stack.url, MIXED, { token });
    const hole = await startBlackHole(Number(port));
    const fastStarted = performance.now();
    const fast = await gql(stack.url, MIXED, { token });
    const fastMs = performance.now() - fastStarted;
    expect(fast.errors?.[0]?.extensions?.code).toBe("SUBGRAPH_UNAVAILABLE");
    expect(fast.data?.categories.length).toBeGreaterThan(0);
    expect(fastMs).toBeLessThan(1_000);
    expect(hole.graphqlRequests).toBe(0);
    // The control: once the open period is over, the probe does reach the hung subgraph and waits out the timeout.
    await new Promise((r) => setTimeout(r, 3_100 - fastMs));
    const probeStarted = performance.now();
    const probe = await gql(stack.url, MIXED, { token });
    expect(probe.errors?.[0]?.extensions?.code).toBe("SUBGRAPH_UNAVAILABLE");
    expect(performance.now() - probeStarted).toBeGreaterThanOrEqual(1_900);
    expect(hole.graphqlRequests).toBeGreaterThan(0);
    await hole.close();

    await stack.restartNotifications(port);
    let recovered = false;
    // The circuit stays open for BREAKER_OPEN_MS (3 s) after its last failure, then one probe closes it.
    for (let i = 0; i < 100 && !recovered; i++) {
      const res = await gql(stack.url, MIXED, { token });
      recovered = res.errors === undefined && typeof res.data?.me?.unreadNotificationCount === "number";
      if (!recovered) await new Promise((r) => setTimeout(r, 100));
    }
    expect(recovered).toBe(true);
  });
});
