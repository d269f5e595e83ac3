import { SERVICE_TOKEN_HEADER } from "@shopgraph/auth";
import type { Logger } from "@shopgraph/logger";
import type { EventEnvelope } from "./envelope.ts";
import { MAX_PUSH_BATCH } from "./push-batch.ts";
import type { EventPublisher } from "./transport.ts";

/** Options for {@link createHttpPushPublisher}. */
export interface HttpPushPublisherOptions {
  /** Every consuming service's `POST /events` URL (one per consumer group), e.g. http://127.0.0.1:4004/events. */
  endpoints: readonly string[];
  /** Sent as x-service-token; required by consumers that have one configured. */
  serviceToken?: string;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
}

/**
 * Embedded-mode publisher (no Redis): pushes each batch to every consumer endpoint and resolves
 * only when all of them stored it. Any failure rejects the whole batch, so the relay keeps the
 * rows unpublished and pushes again later; endpoints that already stored it dedupe on event id.
 */
export function createHttpPushPublisher(options: HttpPushPublisherOptions): EventPublisher {
  if (options.endpoints.length === 0) throw new Error("createHttpPushPublisher: at least one endpoint is required");
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function push(endpoint: string, events: readonly EventEnvelope[]): Promise<void> {
    const res = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(options.serviceToken ? { [SERVICE_TOKEN_HEADER]: options.serviceToken } : {}),
      },
      body: JSON.stringify({ events }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`event push to ${endpoint} failed: HTTP ${res.status} ${text.slice(0, 200)}`);
  }

  return {
    async publish(events) {
      for (let i = 0; i < events.length; i += MAX_PUSH_BATCH) {
        const chunk = events.slice(i, i + MAX_PUSH_BATCH);
        const results = await Promise.allSettled(options.endpoints.map((endpoint) => push(endpoint, chunk)));
        const failures = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
        if (failures.length > 0)
          throw failures.length === 1
            ? failures[0]
            : new AggregateError(failures, `event push failed for ${failures.length} endpoints`);
      }
    },
    async close() {},
  };
}

/** Options for {@link withLivePush}. */
export interface LivePushOptions {
  /** The gateways' `POST /internal/live-events` URLs (LIVE_EVENTS_URLS). */
  endpoints: readonly string[];
  /** The gateway credential (sent as x-service-token): the gateway never holds the service one. */
  credential: string;
  logger: Logger;
  /** Per request. Default 2 s: a hung gateway must not hold the relay up for long. */
  timeoutMs?: number;
}

/**
 * Embedded mode's live updates: once `durable` (the consumers' inboxes) accepted a batch, the same
 * events go to the gateways, which fan them out to their subscribers. Best effort: a gateway that
 * is down misses live pushes (its subscribers are gone anyway) but never holds back the inboxes,
 * and a relay retry (the durable push failed) pushes again, which subscribers see at most as the
 * same answer twice, sent once.
 */
export function withLivePush(durable: EventPublisher, options: LivePushOptions): EventPublisher {
  if (options.endpoints.length === 0) return durable;
  const live = createHttpPushPublisher({
    endpoints: options.endpoints,
    serviceToken: options.credential,
    timeoutMs: options.timeoutMs ?? 2_000,
  });
  return {
    async publish(events) {
      await durable.publish(events);
      await live
        .publish(events)
        .catch((error: unknown) =>
          options.logger.warn({ err: error }, "live push to the gateway failed (best effort)"),
        );
    },
    close: () => durable.close(),
  };
}
