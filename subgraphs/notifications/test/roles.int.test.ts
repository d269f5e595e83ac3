import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "@shopgraph/config";
import { createEnvelope, createRedisStreamPublisher, streamKeys, type EventPublisher } from "@shopgraph/events";
import { hasRealServer, provisionRedis, TEST_REDIS_URL } from "@shopgraph/testing";
import { loadNotificationsConfig } from "../src/config.ts";
import { CONSUMER_GROUP } from "../src/event-consumer.ts";
import { startTestNotifications, waitFor } from "./harness.ts";

// Kubernetes runs the API and the event consumer as two Deployments of one image (NOTIFICATIONS_ROLE).
const redis = await provisionRedis();
const REAL_REDIS = await hasRealServer("Redis", TEST_REDIS_URL, 6379);
let api: Awaited<ReturnType<typeof startTestNotifications>>;
let worker: Awaited<ReturnType<typeof startTestNotifications>>;
let publisher: EventPublisher;
let admin: Redis;

describe("NOTIFICATIONS_ROLE config", () => {
  it("defaults to all and refuses api or worker without Redis", () => {
    expect(loadNotificationsConfig({}).NOTIFICATIONS_ROLE).toBe("all");
    for (const role of ["api", "worker"]) {
      expect(() => loadNotificationsConfig({ NOTIFICATIONS_ROLE: role })).toThrow(ConfigError);
      expect(
        loadNotificationsConfig({ NOTIFICATIONS_ROLE: role, REDIS_URL: "redis://127.0.0.1:6379" }).NOTIFICATIONS_ROLE,
      ).toBe(role);
    }
    expect(() => loadNotificationsConfig({ NOTIFICATIONS_ROLE: "both", REDIS_URL: "redis://127.0.0.1:6379" })).toThrow(
      /NOTIFICATIONS_ROLE/,
    );
  });
});

describe.skipIf(!REAL_REDIS)("notifications split into api and worker processes", () => {
  beforeAll(async () => {
    const env = { REDIS_URL: redis.url!, REDIS_KEY_PREFIX: redis.prefix };
    worker = await startTestNotifications({ env: { ...env, NOTIFICATIONS_ROLE: "worker" } });
    api = await startTestNotifications({ env: { ...env, NOTIFICATIONS_ROLE: "api" }, sharedDatabase: worker.database });
    publisher = createRedisStreamPublisher({ url: redis.url!, prefix: redis.prefix });
    admin = new Redis(redis.url!);
  });
  afterAll(async () => {
    await publisher?.close();
    await admin?.quit();
    await api?.close();
    await worker?.close();
    await redis.cleanup();
  });

  it("the worker consumes events, the api serves what it wrote and never joins the consumer group", async () => {
    const userId = randomUUID();
    const event = createEnvelope("user.registered", {
      userId,
      email: "split.roles@example.com",
      name: "Split Roles",
      role: "CUSTOMER",
    });
    await publisher.publish([event]);
    await waitFor(
      async () => (await worker.db.delivery.count({ where: { eventId: event.id, status: "SENT" } })) === 1,
      "welcome email sent by the worker",
    );

    // Both processes are ready; only the worker's consumer runs.
    for (const process of [api, worker]) expect((await fetch(`${process.url}/readyz`)).status).toBe(200);
    expect(api.consumer.healthy).toBe(false);
    expect(worker.consumer.healthy).toBe(true);
    const consumers = (await admin.call(
      "XINFO",
      "CONSUMERS",
      streamKeys({ url: redis.url!, prefix: redis.prefix }).stream,
      CONSUMER_GROUP,
    )) as unknown[][];
    expect(consumers).toHaveLength(1);

    // The api answers GraphQL over the rows the worker wrote.
    const res = await api.query(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { notifications(first: 5) { edges { node { kind title } } } } } }`,
      {
        token: await api.token(userId),
        variables: { r: [{ __typename: "User", id: userId }] },
      },
    );
    expect(res.errors).toBeUndefined();
    expect(JSON.stringify(res.data)).toContain("Welcome to Shopgraph");
  });
});
