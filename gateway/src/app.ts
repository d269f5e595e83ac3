import { startRevocations } from "@shopgraph/auth";
import type { RunningService } from "@shopgraph/http";
import { createRedis, waitForRedis } from "@shopgraph/kv";
import type { GatewayConfig } from "./config.ts";
import { createGateway, type GatewayDeps } from "./server.ts";

/** A running gateway: the same handle as every subgraph's (`{ url, metricsUrl, close() }`). */
export type RunningGateway = RunningService;

/** Builds the gateway and starts listening. */
export async function startGateway(config: GatewayConfig, deps: GatewayDeps): Promise<RunningGateway> {
  const redis =
    deps.redis ??
    (config.REDIS_URL
      ? createRedis(config.REDIS_URL, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS })
      : undefined);
  if (redis && !deps.redis) {
    redis.on("error", (error: Error) => deps.logger.warn({ err: error }, "redis connection error"));
    // A moment for Redis before serving, so the first requests share limits and APQ; never more.
    await waitForRedis(redis);
  }
  // Revocations from Redis, or without it from the users feed (polled with the gateway's credential).
  const revocations = deps.revocations
    ? undefined
    : await startRevocations(
        { ...config, SERVICE_TOKEN: config.GATEWAY_TOKEN },
        { role: "reader", logger: deps.logger },
      );
  const { http } = await createGateway(config, {
    ...deps,
    ...(redis ? { redis } : {}),
    ...(revocations ? { revocations } : {}),
  });
  const { url, metricsUrl } = await http.listen(config.PORT, config.HOST);
  deps.logger.info(
    { url: `${url}/graphql`, sandbox: config.NODE_ENV !== "production", redis: !!redis },
    "gateway ready",
  );
  return {
    url,
    metricsUrl,
    async close() {
      await http.close(config.SHUTDOWN_GRACE_MS, config.SHUTDOWN_DRAIN_DELAY_MS);
      await revocations?.stop();
      if (redis && !deps.redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
