import { connectRedis, parseEntries, streamKeys } from "@shopgraph/events";
import pg from "pg";

/** Wall-clock times (ms since the epoch) the bench itself saw for one order. */
export interface ClientTimes {
  returnedAt: number;
  receivedAt: number;
}

/** One stage of the placeOrder → notificationAdded path, over every order that has both ends. */
export interface SplitStage {
  stage: string;
  orders: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
}

const STAGES = [
  ["orders commit → placeOrder returned", "committed", "returned"],
  ["orders commit → relay XADD (outbox wait + publish)", "committed", "relayed"],
  ["relay XADD → notification row written (consumer queue + reads)", "relayed", "consumeStart"],
  ["notification row → notification.created built (deliveries, commit)", "consumeStart", "announced"],
  ["notification.created built → XADD", "announced", "announceAdded"],
  [
    "notification.created XADD → subscriber received (gateway feed, per-event query, socket)",
    "announceAdded",
    "received",
  ],
  ["placeOrder returned → subscriber received (the benchmark figure)", "returned", "received"],
] as const;

type Point = (typeof STAGES)[number][1] | (typeof STAGES)[number][2];

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
/** The ms part of a stream id ("<ms>-<seq>"): when Redis appended the entry. */
const streamMs = (id: string) => Number(id.split("-")[0]);

/**
 * Splits each order's latency into its stages from what the pieces recorded: the Redis stream
 * (entry ids are Redis' append time; order.confirmed carries its outbox row's occurredAt, the
 * confirming statement's time; notification.created its own creation after the commit), the
 * notification row (createdAt, written inside the consumer's transaction) and the bench's own
 * clock. One machine, one wall clock.
 */
export async function measureLiveSplit(input: {
  redis: { url: string; prefix: string };
  notificationsDatabase: string;
  client: ReadonlyMap<string, ClientTimes>;
}): Promise<SplitStage[]> {
  const points = new Map<string, Partial<Record<Point, number>>>();
  for (const [orderId, t] of input.client) points.set(orderId, { returned: t.returnedAt, received: t.receivedAt });
  const at = (orderId: string) => points.get(orderId);

  const redis = connectRedis(input.redis.url, "bench-live-split", 30_000);
  try {
    await redis.connect();
    const { stream } = streamKeys(input.redis);
    let cursor = "-";
    for (;;) {
      const entries = parseEntries(await redis.call("XRANGE", stream, cursor, "+", "COUNT", 1000));
      for (const entry of entries) {
        const raw = entry.fields?.envelope;
        if (!raw) continue;
        const event = JSON.parse(raw) as { type: string; occurredAt: string; payload: Record<string, unknown> };
        const p = at(String(event.payload.orderId));
        if (!p) continue;
        if (event.type === "order.confirmed") {
          p.committed = Date.parse(event.occurredAt);
          p.relayed = streamMs(entry.id);
        } else if (event.type === "notification.created" && event.payload.kind === "ORDER_CONFIRMED") {
          p.announced = Date.parse(event.occurredAt);
          p.announceAdded = streamMs(entry.id);
        }
      }
      if (entries.length < 1000) break;
      cursor = `(${entries.at(-1)!.id}`;
    }
  } finally {
    redis.disconnect();
  }

  const read = async (url: string, sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ orderId: string; at: Date }>(sql)).rows;
    } finally {
      await client.end();
    }
  };
  for (const row of await read(
    input.notificationsDatabase,
    `SELECT "orderId"::text AS "orderId", "createdAt" AS at FROM "Notification" WHERE kind = 'ORDER_CONFIRMED'`,
  ))
    if (at(row.orderId)) at(row.orderId)!.consumeStart = row.at.getTime();

  return STAGES.map(([stage, from, to]) => {
    const values = [...points.values()]
      .filter((p) => p[from] !== undefined && p[to] !== undefined)
      .map((p) => p[to]! - p[from]!)
      .sort((a, b) => a - b);
    return {
      stage,
      orders: values.length,
      meanMs: values.reduce((a, b) => a + b, 0) / Math.max(1, values.length),
      p50Ms: quantile(values, 0.5),
      p99Ms: quantile(values, 0.99),
    };
  });
}

/** The split as a Markdown table. */
export function splitTable(stages: readonly SplitStage[]): string[] {
  return [
    "| stage | orders | mean ms | p50 ms | p99 ms |",
    "|---|---|---|---|---|",
    ...stages.map(
      (s) => `| ${s.stage} | ${s.orders} | ${s.meanMs.toFixed(0)} | ${s.p50Ms.toFixed(0)} | ${s.p99Ms.toFixed(0)} |`,
    ),
  ];
}
