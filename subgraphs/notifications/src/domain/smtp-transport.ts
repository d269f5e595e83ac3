import nodemailer from "nodemailer";
import type { Logger } from "@shopgraph/logger";
import type { EmailTransport } from "./channels.ts";
import { maskEmail } from "./masking.ts";

/** Options for {@link createSmtpEmailTransport}. */
export interface SmtpEmailTransportOptions {
  /** smtp://user:pass@host:587 (STARTTLS when the server offers it) or smtps://user:pass@host:465 (TLS). */
  url: string;
  logger: Logger;
  /**
   * Bound on connecting, on the server's greeting and on any silence mid-session (ms). The
   * delivery sender leases a delivery for 60 s, so one send must give up well before. Default 15 s.
   */
  timeoutMs?: number;
}

/** The parts of a nodemailer error worth keeping in Delivery.lastError. */
interface SmtpError {
  code?: string;
  responseCode?: number;
  message?: string;
}

/** "SMTP 421 EPROTOCOL: Invalid greeting…": the reply code first, so operators can grep the delivery log. */
function describeSmtpError(error: unknown): string {
  const e = (error ?? {}) as SmtpError;
  const parts = [e.responseCode, e.code].filter((p) => p !== undefined && p !== "");
  return `SMTP ${parts.join(" ") || "error"}: ${e.message ?? String(error)}`.slice(0, 1_000);
}

/** The server's host and port for logs: never the credentials in the URL. */
function describeServer(url: string): string {
  const { protocol, hostname, port } = new URL(url);
  return `${protocol}//${hostname}${port ? `:${port}` : ""}`;
}

/**
 * Email over any SMTP server (nodemailer). One connection per message: the sender sends one
 * at a time and a fresh connection never inherits a broken session after an outage. A message is
 * sent only when the server accepted it for the recipient (250 after DATA); anything else rejects,
 * and the delivery sender retries with backoff.
 */
export function createSmtpEmailTransport(options: SmtpEmailTransportOptions): EmailTransport {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const server = describeServer(options.url);
  const transporter = nodemailer.createTransport({
    url: options.url,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
  });
  const logger = options.logger.child({ component: "smtp", server });
  logger.info("email transport: SMTP");
  return {
    name: "smtp",
    async send(message) {
      let info: { accepted?: unknown[]; rejected?: unknown[]; response?: string };
      try {
        info = await transporter.sendMail({
          from: message.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
        });
      } catch (error) {
        throw new Error(describeSmtpError(error), { cause: error });
      }
      // With one recipient a refusal normally rejects above; this covers servers that answer oddly.
      if ((info.rejected?.length ?? 0) > 0 || (info.accepted?.length ?? 0) === 0) {
        throw new Error(`SMTP recipient refused: ${info.response ?? "no response"}`);
      }
      logger.debug({ to: maskEmail(message.to), response: info.response }, "email accepted by the SMTP server");
    },
  };
}
