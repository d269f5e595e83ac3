import type { Logger } from "@shopgraph/logger";
import { maskEmail, maskPhone, maskPushToken } from "./masking.ts";

/** An email to send. */
export interface EmailMessage {
  from: string;
  to: string;
  subject: string;
  text: string;
}

/** Anything that sends email (an SMTP client in production). Rejects when the message was not accepted. */
export interface EmailTransport {
  readonly name: string;
  send(message: EmailMessage): Promise<void>;
}

/** An SMS to send. */
export interface SmsMessage {
  to: string;
  text: string;
}

/** Anything that sends SMS (a provider's API in production). Rejects when the message was not accepted. */
export interface SmsProvider {
  readonly name: string;
  send(message: SmsMessage): Promise<void>;
}

/** A push device's platform (the database and GraphQL enum of the same name). */
export type PushPlatform = "IOS" | "ANDROID" | "WEB";

/** A push notification to one device. */
export interface PushMessage {
  /** The device's registration token (FCM: Android, iOS through APNs, and web push). */
  token: string;
  platform: PushPlatform;
  title: string;
  body: string;
  /** String key/values the app receives with the notification (FCM `data`). */
  data: Record<string, string>;
}

/** Anything that sends push notifications (FCM HTTP v1 in production). Rejects when the message was not accepted. */
export interface PushProvider {
  readonly name: string;
  send(message: PushMessage): Promise<void>;
}

/**
 * A failed send that tells the sender more than "retry with backoff" (what any other error gets):
 * the recipient is gone for good (a push token the provider no longer knows: remove it, never retry),
 * or the provider asked to wait at least `retryAfterMs` before the next try (HTTP Retry-After).
 */
export class DeliveryFailure extends Error {
  /** The address is invalid or unregistered: retrying cannot succeed. */
  readonly isRecipientGone: boolean;
  /** The provider's minimum wait before the next try; null when it gave none. */
  readonly retryAfterMs: number | null;

  constructor(
    message: string,
    options: { isRecipientGone?: boolean; retryAfterMs?: number | null; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "DeliveryFailure";
    this.isRecipientGone = options.isRecipientGone ?? false;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}

/** How many recorded messages a development channel keeps in memory. */
const KEEP = 1_000;

/** Development email: records (newest last) and logs what would be sent; sends nothing. */
export function createRecordingEmailTransport(logger: Logger): EmailTransport & { sent: EmailMessage[] } {
  const sent: EmailMessage[] = [];
  return {
    name: "development",
    sent,
    async send(message) {
      sent.push(message);
      if (sent.length > KEEP) sent.shift();
      logger.info(
        { to: maskEmail(message.to), subject: message.subject },
        "email recorded (development transport: not sent)",
      );
    },
  };
}

/** Development SMS: records and logs what would be sent; sends nothing. */
export function createRecordingSmsProvider(logger: Logger): SmsProvider & { sent: SmsMessage[] } {
  const sent: SmsMessage[] = [];
  return {
    name: "development",
    sent,
    async send(message) {
      sent.push(message);
      if (sent.length > KEEP) sent.shift();
      logger.info({ to: maskPhone(message.to) }, "SMS recorded (development provider: not sent)");
    },
  };
}

/** Development push: records and logs what would be sent; sends nothing. */
export function createRecordingPushProvider(logger: Logger): PushProvider & { sent: PushMessage[] } {
  const sent: PushMessage[] = [];
  return {
    name: "development",
    sent,
    async send(message) {
      sent.push(message);
      if (sent.length > KEEP) sent.shift();
      logger.info(
        { to: maskPushToken(message.token), platform: message.platform, title: message.title },
        "push recorded (development provider: not sent)",
      );
    },
  };
}
