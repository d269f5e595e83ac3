import {
  createEnvelope,
  createHttpPushPublisher,
  createRedisStreamPublisher,
  EventType,
  type EventPublisher,
  type NotificationCreatedV1,
} from "@shopgraph/events";
import { currentTraceparent } from "@shopgraph/telemetry";
import type { NotificationsConfig } from "./config.ts";
import type { CreatedNotification } from "./db/event-effects.ts";

/** Announces committed in-app notifications to the gateways (their notificationAdded subscriptions). */
export interface LiveAnnouncer {
  announce(created: readonly CreatedNotification[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * `notification.created` on the shared events stream, published after the notification's
 * transaction committed, so a gateway reading it always finds the row. Not through an outbox:
 * live pushes are best effort (the notification stays in the user's list either way). Without
 * Redis (embedded mode) it goes by HTTP to the gateways' live-events endpoints (LIVE_EVENTS_URLS,
 * with the gateway credential); with neither, nothing is announced.
 */
export function createLiveAnnouncer(
  config: Pick<NotificationsConfig, "REDIS_URL" | "REDIS_KEY_PREFIX" | "LIVE_EVENTS_URLS" | "ACCEPTED_CREDENTIALS">,
): LiveAnnouncer {
  let publisher: EventPublisher;
  if (config.REDIS_URL)
    publisher = createRedisStreamPublisher({
      url: config.REDIS_URL,
      prefix: config.REDIS_KEY_PREFIX,
      producer: "notifications",
    });
  else if (config.LIVE_EVENTS_URLS?.length)
    publisher = createHttpPushPublisher({
      endpoints: config.LIVE_EVENTS_URLS,
      serviceToken: config.ACCEPTED_CREDENTIALS.gateway[0]!,
      timeoutMs: 2_000,
    });
  else return { announce: async () => {}, close: async () => {} };
  return {
    async announce(created) {
      // Inside the consumer's `process` span: the gateway's delivery continues the event's trace.
      const traceparent = currentTraceparent();
      await publisher.publish(
        created.map((n) =>
          createEnvelope<NotificationCreatedV1>(
            EventType.NOTIFICATION_CREATED,
            { notificationId: n.id, userId: n.userId, kind: n.kind, orderId: n.orderId },
            { traceparent },
          ),
        ),
      );
    },
    close: () => publisher.close(),
  };
}
