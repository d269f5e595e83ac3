import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testLogger } from "@shopgraph/testing";
import { DeliveryFailure, type PushMessage } from "../src/domain/channels.ts";
import { createFcmPushProvider, FCM_SCOPE, GOOGLE_TOKEN_URL, parseRetryAfter } from "../src/domain/fcm-transport.ts";
import { fcmToken, startFcmServer, type TestFcmServer } from "./fcm-server.ts";

// The FCM HTTP v1 transport for real: google-auth-library's JWT client and fetch against a local
// server speaking the OAuth token endpoint and messages:send with FCM's documented error bodies.
let fcm: TestFcmServer;
beforeAll(async () => {
  fcm = await startFcmServer();
});
afterAll(() => fcm?.close());

const provider = (overrides: Partial<Parameters<typeof createFcmPushProvider>[0]> = {}) =>
  createFcmPushProvider({
    projectId: fcm.projectId,
    serviceAccount: fcm.serviceAccount,
    endpoint: fcm.endpoint,
    tokenUrl: fcm.tokenUrl,
    timeoutMs: 5_000,
    logger: testLogger(),
    ...overrides,
  });
const message = (platform: PushMessage["platform"], token = fcmToken()): PushMessage => ({
  token,
  platform,
  title: "Order SG-000042 has shipped",
  body: "It is on its way.",
  data: { kind: "ORDER_SHIPPED" },
});

/** The rejection of a send, as a DeliveryFailure. */
async function failureOf(send: Promise<void>): Promise<DeliveryFailure> {
  const error: unknown = await send.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryFailure);
  return error as DeliveryFailure;
}

describe("FCM HTTP v1 transport", () => {
  it("authenticates with a JWT bearer assertion signed by the service-account key, then sends per platform", async () => {
    const push = provider();
    const grantsBefore = fcm.grants.length;
    const [android, ios, web] = [message("ANDROID"), message("IOS"), message("WEB")];
    await push.send(android);
    await push.send(ios);
    await push.send(web);
    // One grant for three sends: the access token is cached until shortly before it expires.
    const grants = fcm.grants.slice(grantsBefore);
    expect(grants).toHaveLength(1);
    expect(grants[0]!.header).toMatchObject({ alg: "RS256" });
    expect(grants[0]!.claims).toMatchObject({
      iss: fcm.serviceAccount.client_email,
      aud: GOOGLE_TOKEN_URL,
      scope: FCM_SCOPE,
    });
    const exp = grants[0]!.claims.exp as number;
    const iat = grants[0]!.claims.iat as number;
    expect(exp - iat).toBeLessThanOrEqual(3600);

    expect(fcm.to(android.token)).toEqual([
      expect.objectContaining({
        answered: 200,
        message: {
          token: android.token,
          notification: { title: android.title, body: android.body },
          data: { kind: "ORDER_SHIPPED" },
          android: { priority: "HIGH" },
        },
      }),
    ]);
    expect(fcm.to(ios.token)[0]?.message).toMatchObject({
      token: ios.token,
      apns: { payload: { aps: { sound: "default" } } },
    });
    expect(fcm.to(web.token)[0]?.message).toEqual({
      token: web.token,
      notification: { title: web.title, body: web.body },
      data: { kind: "ORDER_SHIPPED" },
    });
  });

  it("fails to authenticate with a key the service account does not have (the token endpoint refuses the signature)", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const forged = {
      ...fcm.serviceAccount,
      private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    };
    const refusedBefore = fcm.refusedGrants.length;
    const sendsBefore = fcm.received.length;
    const failure = await failureOf(provider({ serviceAccount: forged }).send(message("ANDROID")));
    expect(failure.message).toMatch(/^FCM auth: invalid_grant: Invalid JWT Signature\./);
    expect(failure.isRecipientGone).toBe(false);
    expect(fcm.refusedGrants.slice(refusedBefore)).toContain("Invalid JWT Signature.");
    expect(fcm.received.length).toBe(sendsBefore);
  });

  it.each(["UNREGISTERED", "INVALID_ARGUMENT"] as const)("%s: the token is gone (never retried)", async (errorCode) => {
    const m = message("ANDROID");
    fcm.script(m.token, [{ errorCode }]);
    const failure = await failureOf(provider().send(m));
    expect(failure).toMatchObject({ isRecipientGone: true, retryAfterMs: null });
    expect(failure.message).toMatch(new RegExp(`^FCM (404|400) ${errorCode}: `));
  });

  it("INVALID_ARGUMENT blaming the token (google.rpc.BadRequest on message.token): the token is gone", async () => {
    const m = message("ANDROID");
    fcm.script(m.token, [{ errorCode: "INVALID_ARGUMENT", fieldViolations: ["message.token"] }]);
    expect(await failureOf(provider().send(m))).toMatchObject({ isRecipientGone: true });
  });

  it("INVALID_ARGUMENT blaming only the payload: an ordinary failure, the token is kept", async () => {
    const m = message("ANDROID");
    fcm.script(m.token, [{ errorCode: "INVALID_ARGUMENT", fieldViolations: ["message.data[0].value"] }]);
    const failure = await failureOf(provider().send(m));
    expect(failure).toMatchObject({ isRecipientGone: false, retryAfterMs: null });
    expect(failure.message).toMatch(/^FCM 400 INVALID_ARGUMENT: /);
  });

  it("QUOTA_EXCEEDED: retryable, with the server's Retry-After in seconds", async () => {
    const m = message("IOS");
    fcm.script(m.token, [{ errorCode: "QUOTA_EXCEEDED", retryAfter: "7" }]);
    const failure = await failureOf(provider().send(m));
    expect(failure).toMatchObject({ isRecipientGone: false, retryAfterMs: 7_000 });
    expect(failure.message).toMatch(/^FCM 429 QUOTA_EXCEEDED: /);
  });

  it("UNAVAILABLE: retryable, with Retry-After as an HTTP date", async () => {
    const m = message("WEB");
    fcm.script(m.token, [{ errorCode: "UNAVAILABLE", retryAfter: new Date(Date.now() + 30_000).toUTCString() }]);
    const failure = await failureOf(provider().send(m));
    expect(failure.isRecipientGone).toBe(false);
    expect(failure.retryAfterMs).toBeGreaterThan(25_000);
    expect(failure.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it.each(["SENDER_ID_MISMATCH", "INTERNAL"] as const)(
    "%s: an ordinary failure (the pipeline's retries decide)",
    async (errorCode) => {
      const m = message("ANDROID");
      fcm.script(m.token, [{ errorCode, retryAfter: "60" }]);
      const failure = await failureOf(provider().send(m));
      expect(failure).toMatchObject({ isRecipientGone: false, retryAfterMs: null });
      expect(failure.message).toContain(errorCode);
    },
  );

  it("a revoked access token fails that send (UNAUTHENTICATED, retryable) and the next one authenticates again", async () => {
    const push = provider();
    await push.send(message("ANDROID"));
    const grantsBefore = fcm.grants.length;
    fcm.revokeAccessTokens();
    const failure = await failureOf(push.send(message("ANDROID")));
    expect(failure).toMatchObject({ isRecipientGone: false, retryAfterMs: null });
    expect(failure.message).toMatch(/^FCM 401 UNAUTHENTICATED: /);
    const m = message("ANDROID");
    await push.send(m);
    expect(fcm.grants.length).toBe(grantsBefore + 1);
    expect(fcm.to(m.token)).toEqual([expect.objectContaining({ answered: 200 })]);
  });

  it("rejects when FCM cannot be reached", async () => {
    const closed = await startFcmServer();
    await closed.close();
    const failure = await failureOf(provider({ endpoint: closed.endpoint }).send(message("ANDROID")));
    expect(failure.message).toMatch(/^FCM request failed: /);
  });
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds and HTTP dates, and nothing else", () => {
    const now = Date.parse("2026-12-03T08:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Thu, 03 Dec 2026 08:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Thu, 03 Dec 2026 07:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter("soon", now)).toBeNull();
  });
});
