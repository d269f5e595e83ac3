import { createWorkLoop, describeError, retryDelayMs, type RetryPolicy, type WorkLoop } from "@shopgraph/events";
import type { Logger } from "@shopgraph/logger";
import type { Db } from "../db/client.ts";
import { claimDueDeliveries, markDeliveryFailed, markDeliverySent, type ClaimedDelivery } from "../db/delivery-repository.ts";
import type { EmailTransport, SmsProvider } from "./channels.ts";
import { maskRecipient } from "./masking.ts";
import { context } from "@opentelemetry/api";
import { contextFromTraceparent } from "@shopgraph/telemetry";

/** Options for {@link createDeliverySender}. */
export interface DeliverySenderOptions {
  db: Db;
  email: EmailTransport;
  sms: SmsProvider;
  /** Sender address of every email. */
  from: string;
  /** maxAttempts → DEAD_LETTERED; the delays between tries. */
  retry: RetryPolicy;
  logger: Logger;
  /** Idle poll interval. */
  pollIntervalMs: number;
  /** How long a claimed delivery is reserved for one send (longer than any SMTP/API timeout). Default 60 s. */
  leaseMs?: number;
  /** Deliveries per tick. Default 20. */
  batchSize?: number;
}

/**
 * The email/SMS sender: a loop over due deliveries. A send that fails leaves the delivery FAILED
 * with `nextAttemptAt` pushed out by exponential backoff with jitter, so a provider outage only
 * delays mail; after `retry.maxAttempts` tries it is DEAD_LETTERED (kept, visible, replayable).
 */
export function createDeliverySender(options: DeliverySenderOptions): WorkLoop {
  const leaseMs = options.leaseMs ?? 60_000;
  const batchSize = options.batchSize ?? 20;
  const logger = options.logger.child({ component: "delivery-sender" });

  async function send(delivery: ClaimedDelivery): Promise<void> {
    const attempts = delivery.attempts + 1;
    const log = logger.child({ deliveryId: delivery.id, channel: delivery.channel, to: maskRecipient(delivery.channel, delivery.recipient), attempt: attempts });
    try {
      if (delivery.channel === "EMAIL") await options.email.send({ from: options.from, to: delivery.recipient, subject: delivery.subject ?? "", text: delivery.body });
      else await options.sms.send({ to: delivery.recipient, text: delivery.body });
    } catch (error) {
      const message = describeError(error);
      const dead = attempts >= options.retry.maxAttempts;
      const next = dead ? null : new Date(Date.now() + retryDelayMs(attempts, options.retry));
      await markDeliveryFailed(options.db, delivery.id, attempts, message, next);
      if (dead) log.error({ err: error }, "delivery failed for good: dead-lettered");
      else log.warn({ err: error, nextAttemptAt: next }, "delivery failed: will retry");
      return;
    }
    await markDeliverySent(options.db, delivery.id, attempts);
    log.info("delivery sent");
  }

  return createWorkLoop({
    name: "delivery-sender",
    logger,
    idleMs: options.pollIntervalMs,
    async tick(signal) {
      const due = await claimDueDeliveries(options.db, leaseMs, batchSize);
      for (const delivery of due) {
        if (signal.aborted) break; // the rest becomes due again when its lease runs out
        // The send continues the trace of the event that queued it (placeOrder → … → email).
        await context.with(contextFromTraceparent(delivery.traceparent), () => send(delivery));
      }
      return due.length === batchSize;
    },
  });
}
