import type { Logger } from "@shopgraph/logger";
import { maskEmail, maskPhone } from "./masking.ts";

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
      logger.info({ to: maskEmail(message.to), subject: message.subject }, "email recorded (development transport: not sent)");
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
