import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvelope } from "@shopgraph/events";
import { startTestNotifications } from "./harness.ts";

// Embedded mode (no REDIS_URL): relays push events to POST /events. Mid-rotation of both secrets.
const SERVICE = {
  current: "inbox-service-current-0123456789abcdef012",
  previous: "inbox-service-previous-0123456789abcdef01",
};
const GATEWAY = "inbox-gateway-token-0123456789abcdef012345";
let sg: Awaited<ReturnType<typeof startTestNotifications>>;
beforeAll(async () => {
  sg = await startTestNotifications({
    env: { SERVICE_TOKEN: `${SERVICE.current},${SERVICE.previous}`, GATEWAY_TOKEN: GATEWAY },
  });
});
afterAll(() => sg?.close());

const push = (token: string) => {
  const event = createEnvelope("user.registered", {
    userId: randomUUID(),
    email: "inbox@example.com",
    name: "Inbox",
    role: "CUSTOMER",
  });
  const headers = { "content-type": "application/json", "x-service-token": token };
  const res = fetch(`${sg.url}/events`, { method: "POST", headers, body: JSON.stringify({ events: [event] }) });
  return { event, res };
};

describe("the event inbox takes the service credential only", () => {
  it.each([
    ["current", SERVICE.current],
    ["previous", SERVICE.previous],
  ])("accepts the %s service token (rotation)", async (_which, token) => {
    const { event, res } = push(token);
    expect((await res).status).toBe(200);
    expect(await sg.db.inboxEvent.findUnique({ where: { id: event.id } })).not.toBeNull();
  });

  it("refuses the gateway's credential (401), which opens /graphql but must not forge events", async () => {
    const { event, res } = push(GATEWAY);
    expect((await res).status).toBe(401);
    expect(await sg.db.inboxEvent.findUnique({ where: { id: event.id } })).toBeNull();
    expect((await sg.query("{ __typename }", { credential: GATEWAY })).status).toBe(200);
  });
});
