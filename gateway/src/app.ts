import { createRedis } from "@shopgraph/kv";
import type { GatewayConfig } from "./config.ts";
import { createGateway, type GatewayDeps } from "./server.ts";

/** A running gateway. */
export interface RunningGateway {
  url: string;
  close(): Promise<void>;
}

/** Builds the gateway and starts listening. */
export async function startGateway(config: GatewayConfig, deps: GatewayDeps): Promise<RunningGateway> {
  const redis = deps.redis ?? (config.REDIS_URL ? createRedis(config.REDIS_URL) : undefined);
  const { http } = await createGateway(config, { ...deps, ...(redis ? { redis } : {}) });
  const { url } = await http.listen(config.PORT, config.HOST);
  deps.logger.info({ url: `${url}/graphql`, sandbox: config.NODE_ENV !== "production", redis: !!redis }, "gateway ready");
  return {
    url,
    async close() {
      await http.close(config.SHUTDOWN_GRACE_MS);
      if (redis && !deps.redis) await redis.quit();
    },
  };
}
