import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedProducts } from "@shopgraph/fixtures";
import { gql } from "@shopgraph/testing";
import { fcmToken, startFcmServer, type TestFcmServer } from "../../../subgraphs/notifications/test/fcm-server.ts";
import { startStack, type Stack } from "./stack.ts";

// Push through the gateway: a device registered with the public API receives the order
// confirmation from FCM (a local FCM v1 server) after placeOrder, across users → orders → events →
// notifications → FCM, with the gateway's authorization in front.
let fcm: TestFcmServer;
let stack: Stack;
beforeAll(async () => {
  fcm = await startFcmServer();
  stack = await startStack({
    gatewayEnv: { RATE_LIMIT_ENABLED: "false" },
    subgraphEnv: {
      FCM_SERVICE_ACCOUNT_JSON: JSON.stringify(fcm.serviceAccount),
      FCM_ENDPOINT: fcm.endpoint,
      FCM_TOKEN_URL: fcm.tokenUrl,
    },
  });
});
afterAll(async () => {
  await stack?.close();
  await fcm?.close();
});

const REGISTER = `mutation($input: RegisterPushDeviceInput!) { registerPushDevice(input: $input) { device { id platform } userErrors { code field } } }`;
const codes = (res: { errors?: { extensions?: Record<string, unknown> }[] }) => [
  ...new Set((res.errors ?? []).map((e) => e.extensions?.code)),
];

async function customer(email: string): Promise<string> {
  const res = await gql(stack.url, "mutation($i: RegisterInput!) { register(input: $i) { session { accessToken } } }", {
    variables: { i: { email, password: "a long enough password", name: "Pia" } },
  });
  return res.data?.register.session.accessToken as string;
}

describe("push notifications through the gateway", () => {
  it("a registered device gets the order confirmation from FCM after placeOrder", async () => {
    const token = await customer("push-buyer@example.com");
    const deviceToken = fcmToken();
    const registered = await gql(stack.url, REGISTER, {
      token,
      variables: { input: { platform: "ANDROID", token: deviceToken } },
    });
    expect(registered.data?.registerPushDevice).toEqual({
      device: { id: expect.any(String), platform: "ANDROID" },
      userErrors: [],
    });
    const me = await gql(stack.url, "{ me { pushDevices { id platform } notificationPreferences { push } } }", {
      token,
    });
    expect(me.data?.me).toEqual({
      pushDevices: [registered.data?.registerPushDevice.device],
      notificationPreferences: { push: true },
    });

    const product = seedProducts.find((p) => !p.archived && p.stock > 10)!;
    const placed = await gql(
      stack.url,
      'mutation($input: PlaceOrderInput!) { placeOrder(input: $input, idempotencyKey: "push-key-1") { order { number status } } }',
      {
        token,
        variables: {
          input: {
            lines: [{ productId: product.id, quantity: 1 }],
            shippingAddress: { name: "Pia", line1: "1 Road", city: "Town", postalCode: "1000", country: "GB" },
            paymentToken: "tok_visa",
          },
        },
      },
    );
    expect(placed.data?.placeOrder.order.status).toBe("PAID");
    const deadline = Date.now() + 10_000;
    while (!fcm.to(deviceToken).some((m) => m.message.data?.kind === "ORDER_CONFIRMED") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const pushed = fcm.to(deviceToken).find((m) => m.message.data?.kind === "ORDER_CONFIRMED");
    expect(pushed).toMatchObject({
      answered: 200,
      message: {
        notification: { title: expect.stringMatching(/^Order SG-\d{6} confirmed$/) },
        android: { priority: "HIGH" },
      },
    });
    expect(fcm.grants.length).toBeGreaterThan(0);
  });

  it("anonymous callers cannot register a device (UNAUTHENTICATED) and nothing is stored", async () => {
    const deviceToken = fcmToken();
    const res = await gql(stack.url, REGISTER, { variables: { input: { platform: "IOS", token: deviceToken } } });
    expect(codes(res)).toEqual(["UNAUTHENTICATED"]);
    expect(res.data?.registerPushDevice ?? null).toBeNull();
    const token = await customer("push-thief@example.com");
    // The token was never stored: unregistering it is NOT_FOUND even for a signed-in user.
    const un = await gql(
      stack.url,
      "mutation($t: String!) { unregisterPushDevice(token: $t) { success userErrors { code } } }",
      { token, variables: { t: deviceToken } },
    );
    expect(un.data?.unregisterPushDevice).toEqual({ success: false, userErrors: [{ code: "NOT_FOUND" }] });
  });
});
