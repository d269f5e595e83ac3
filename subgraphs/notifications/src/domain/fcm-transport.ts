import { gaxios, JWT } from "google-auth-library";
import type { Logger } from "@shopgraph/logger";
import { DeliveryFailure, type PushMessage, type PushProvider } from "./channels.ts";
import { maskPushToken } from "./masking.ts";

/** Google's OAuth 2.0 token endpoint: google-auth-library 11 sends every JWT bearer grant here. */
export const GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token";
/** The FCM HTTP v1 API. */
export const FCM_ENDPOINT = "https://fcm.googleapis.com";
/** The OAuth scope FCM HTTP v1 requires. */
export const FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging";

/** The fields of a service-account key file the transport uses. */
export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
}

/** Options for {@link createFcmPushProvider}. */
export interface FcmPushProviderOptions {
  /** The Firebase project the messages are sent through. */
  projectId: string;
  serviceAccount: ServiceAccountKey;
  /** Base URL of the FCM API. Default {@link FCM_ENDPOINT}; tests point it at a local server. */
  endpoint?: string;
  /** The token endpoint. Default {@link GOOGLE_TOKEN_URL}; tests point it at a local server. */
  tokenUrl?: string;
  /** Bound on the token request and on each send (ms); well under the sender's 60 s lease. Default 10 s. */
  timeoutMs?: number;
  logger: Logger;
}

/** FCM error codes after which the token can never receive a message again. */
const TOKEN_GONE = new Set(["UNREGISTERED", "INVALID_ARGUMENT"]);
/** FCM error codes that ask to back off; they come with Retry-After, which is honoured. */
const BACK_OFF = new Set(["QUOTA_EXCEEDED", "UNAVAILABLE"]);

/** The documented FCM v1 error body: `{ error: { code, message, status, details: [{ "@type": …FcmError, errorCode }] } }`. */
interface FcmErrorBody {
  error?: {
    code?: number;
    message?: string;
    status?: string;
    details?: { "@type"?: string; errorCode?: string; fieldViolations?: { field?: string }[] }[];
  };
}

/**
 * INVALID_ARGUMENT also answers a malformed message, not only a bad token. When FCM names the
 * offending fields (google.rpc.BadRequest) and none is `message.token`, the fault is the payload:
 * removing the device would then drop every user's devices over one bug of ours.
 */
function blamesPayloadOnly(body: FcmErrorBody): boolean {
  const fields = (body.error?.details ?? []).flatMap((d) => d.fieldViolations ?? []).map((v) => v.field ?? "");
  return fields.length > 0 && !fields.includes("message.token");
}

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from now; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The FcmError code of an error body (UNREGISTERED, QUOTA_EXCEEDED …), else its google.rpc status. */
function fcmErrorCode(body: FcmErrorBody): string {
  const detail = body.error?.details?.find((d) => d["@type"]?.endsWith("google.firebase.fcm.v1.FcmError"));
  return detail?.errorCode ?? body.error?.status ?? "UNKNOWN";
}

/** The FCM v1 `message`: the notification, the app's data, and what each platform needs to show it. */
function fcmMessage(message: PushMessage): Record<string, unknown> {
  const base = { token: message.token, notification: { title: message.title, body: message.body }, data: message.data };
  switch (message.platform) {
    // User-visible notifications go out at high priority (FCM's guidance), or Doze delays them.
    case "ANDROID":
      return { ...base, android: { priority: "HIGH" } };
    // Through APNs: without a sound the alert arrives silently.
    case "IOS":
      return { ...base, apns: { payload: { aps: { sound: "default" } } } };
    case "WEB":
      return base;
  }
}

/**
 * Push through Firebase Cloud Messaging HTTP v1: Android, iOS (FCM relays to APNs) and web push.
 * Authenticates as a service account with the OAuth 2.0 JWT bearer grant (google-auth-library's JWT
 * client, which caches the access token until shortly before it expires). Failures reject with a
 * {@link DeliveryFailure}: UNREGISTERED and INVALID_ARGUMENT mark the token gone; QUOTA_EXCEEDED and
 * UNAVAILABLE carry the server's Retry-After; anything else is an ordinary retryable failure.
 */
export function createFcmPushProvider(options: FcmPushProviderOptions): PushProvider {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const endpoint = (options.endpoint ?? FCM_ENDPOINT).replace(/\/+$/, "");
  const sendUrl = `${endpoint}/v1/projects/${encodeURIComponent(options.projectId)}/messages:send`;
  // google-auth-library 11 ignores a key file's token_uri and always posts the grant to Google's URL
  // (gtoken/getToken.js). Its supported hook is the transporter: ours bounds the request and, when
  // another token URL is configured (tests), sends it there. The assertion's `aud` stays Google's.
  const transporter = new gaxios.Gaxios({ timeout: timeoutMs });
  const tokenUrl = options.tokenUrl;
  if (tokenUrl && tokenUrl !== GOOGLE_TOKEN_URL) {
    transporter.interceptors.request.add({
      resolved: async (config) =>
        config.url.href === GOOGLE_TOKEN_URL ? { ...config, url: new URL(tokenUrl) } : config,
    });
  }
  const client = new JWT({
    email: options.serviceAccount.client_email,
    key: options.serviceAccount.private_key,
    ...(options.serviceAccount.private_key_id ? { keyId: options.serviceAccount.private_key_id } : {}),
    scopes: [FCM_SCOPE],
    transporter,
  });
  const logger = options.logger.child({ component: "fcm", project: options.projectId });
  logger.info("push transport: FCM HTTP v1");

  async function accessToken(): Promise<string> {
    try {
      const { token } = await client.getAccessToken();
      if (!token) throw new Error("the token endpoint returned no access_token");
      return token;
    } catch (error) {
      throw new DeliveryFailure(`FCM auth: ${(error as Error).message}`.slice(0, 1_000), { cause: error });
    }
  }

  return {
    name: "fcm",
    async send(message) {
      const token = await accessToken();
      let response: Response;
      try {
        response = await fetch(sendUrl, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ message: fcmMessage(message) }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new DeliveryFailure(`FCM request failed: ${(error as Error).message}`, { cause: error });
      }
      const text = await response.text().catch(() => "");
      if (response.ok) {
        logger.debug({ to: maskPushToken(message.token) }, "push accepted by FCM");
        return;
      }
      let body: FcmErrorBody = {};
      try {
        body = JSON.parse(text) as FcmErrorBody;
      } catch {
        // A proxy's HTML page or an empty body: keep the status only.
      }
      // A rejected access token (revoked, or the key rotated) would otherwise stay cached for up to
      // an hour: reset the client to its initial state (what the JWT constructor sets), so the next
      // try signs a fresh assertion.
      if (response.status === 401) client.setCredentials({ refresh_token: "jwt-placeholder", expiry_date: 1 });
      const code = fcmErrorCode(body);
      const description = `FCM ${response.status} ${code}: ${body.error?.message ?? text}`.slice(0, 1_000);
      if (TOKEN_GONE.has(code) && !(code === "INVALID_ARGUMENT" && blamesPayloadOnly(body))) {
        throw new DeliveryFailure(description, { isRecipientGone: true });
      }
      if (BACK_OFF.has(code))
        throw new DeliveryFailure(description, { retryAfterMs: parseRetryAfter(response.headers.get("retry-after")) });
      throw new DeliveryFailure(description);
    },
  };
}
