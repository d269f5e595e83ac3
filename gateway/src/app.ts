import { createRedis, waitForRedis } from "@shopgraph/kv";
import type { GatewayConfig } from "./config.ts";
import { createGateway, type GatewayDeps } from "./server.ts";

/** A running gateway. */
export interface RunningGateway {
  url: string;
  /** The metrics listener (GET /metrics), never on the public port. */
  metricsUrl: string | undefined;
  close(): Promise<void>;
}

/** Builds the gateway and starts listening. */
export async function startGateway(config: GatewayConfig, deps: GatewayDeps): Promise<RunningGateway> {
  const redis = deps.redis ?? (config.REDIS_URL ? createRedis(config.REDIS_URL, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS }) : undefined);
  if (redis && !deps.redis) {
    redis.on("error", (error: Error) => deps.logger.warn({ err: error }, "redis connection error"));
    // A moment for Redis before serving, so the first requests share limits and APQ; never more.
    await waitForRedis(redis);
  }
  const { http } = await createGateway(config, { ...deps, ...(redis ? { redis } : {}) });
  const { url, metricsUrl } = await http.listen(config.PORT, config.HOST);
  deps.logger.info({ url: `${url}/graphql`, sandbox: config.NODE_ENV !== "production", redis: !!redis }, "gateway ready");
  return {
    url,
    metricsUrl,
    async close() {
      await http.close(config.SHUTDOWN_GRACE_MS);
      if (redis && !deps.redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
