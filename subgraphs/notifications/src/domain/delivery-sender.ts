import { createWorkLoop, describeError, retryDelayMs, type RetryPolicy, type WorkLoop } from "@shopgraph/events";
import type { Logger } from "@shopgraph/logger";
import type { Db } from "../db/client.ts";
import {
  claimDueDeliveries,
  markDeliveryFailed,
  markDeliverySent,
  type ClaimedDelivery,
} from "../db/delivery-repository.ts";
import { deletePushDevice, findPushDeviceByToken, type PushDevice } from "../db/push-device-repository.ts";
import { DeliveryFailure, type EmailTransport, type PushProvider, type SmsProvider } from "./channels.ts";
import { maskRecipient } from "./masking.ts";
import { context } from "@opentelemetry/api";
import { contextFromTraceparent } from "@shopgraph/telemetry";

/** Options for {@link createDeliverySender}. */
export interface DeliverySenderOptions {
  db: Db;
  email: EmailTransport;
  sms: SmsProvider;
  push: PushProvider;
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
 * The email/SMS/push sender: a loop over due deliveries. A send that fails leaves the delivery FAILED
 * with `nextAttemptAt` pushed out by exponential backoff with jitter (never sooner than a provider's
 * Retry-After), so a provider outage only delays messages; after `retry.maxAttempts` tries it is
 * DEAD_LETTERED (kept, visible, replayable). A push token the provider reports gone is removed and
 * its delivery dead-lettered at once: no retry can reach it.
 */
export function createDeliverySender(options: DeliverySenderOptions): WorkLoop {
  const leaseMs = options.leaseMs ?? 60_000;
  const batchSize = options.batchSize ?? 20;
  const logger = options.logger.child({ component: "delivery-sender" });

  async function send(delivery: ClaimedDelivery): Promise<void> {
    const attempts = delivery.attempts + 1;
    const log = logger.child({
      deliveryId: delivery.id,
      channel: delivery.channel,
      to: maskRecipient(delivery.channel, delivery.recipient),
      attempt: attempts,
    });
    let device: PushDevice | null = null;
    if (delivery.channel === "PUSH") {
      device = await findPushDeviceByToken(options.db, delivery.recipient);
      // Unregistered, or moved to another account since this was queued: sending now would show
      // this user's notification on someone else's phone.
      if (device?.userId !== delivery.userId) {
        await markDeliveryFailed(
          options.db,
          delivery.id,
          attempts,
          "push device no longer registered to the user: not sent",
          null,
        );
        log.info("push not sent: the device was unregistered or moved to another user");
        return;
      }
    }
    try {
      await dispatch(delivery, device);
    } catch (error) {
      const message = describeError(error);
      const failure = error instanceof DeliveryFailure ? error : null;
      if (failure?.isRecipientGone && delivery.channel === "PUSH") {
        await deletePushDevice(options.db, delivery.userId, delivery.recipient);
        await markDeliveryFailed(options.db, delivery.id, attempts, message, null);
        log.warn({ err: error }, "push token rejected by the provider: device removed, delivery dead-lettered");
        return;
      }
      const dead = attempts >= options.retry.maxAttempts;
      // Retry-After is a floor on the wait, bounded like any delay (a server asking for days is not obeyed).
      const waitMs = Math.min(
        Math.max(retryDelayMs(attempts, options.retry), failure?.retryAfterMs ?? 0),
        options.retry.maxMs,
      );
      const next = dead ? null : new Date(Date.now() + waitMs);
      await markDeliveryFailed(options.db, delivery.id, attempts, message, next);
      if (dead) log.error({ err: error }, "delivery failed for good: dead-lettered");
      else log.warn({ err: error, nextAttemptAt: next }, "delivery failed: will retry");
      return;
    }
    await markDeliverySent(options.db, delivery.id, attempts, device?.id ?? null);
    log.info("delivery sent");
  }

  async function dispatch(delivery: ClaimedDelivery, device: PushDevice | null): Promise<void> {
    switch (delivery.channel) {
      case "EMAIL":
        return options.email.send({
          from: options.from,
          to: delivery.recipient,
          subject: delivery.subject ?? "",
          text: delivery.body,
        });
      case "SMS":
        return options.sms.send({ to: delivery.recipient, text: delivery.body });
      case "PUSH":
        if (!device) throw new Error("push without its device");
        return options.push.send({
          token: delivery.recipient,
          platform: device.platform,
          title: delivery.subject ?? "",
          body: delivery.body,
          data: { kind: delivery.kind },
        });
      case "IN_APP":
        throw new Error("in-app notifications are not deliveries");
    }
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
