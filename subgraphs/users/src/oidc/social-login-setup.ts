import { MemoryKeyValueCache, RedisKeyValueCache, type Redis } from "@shopgraph/kv";
import type { Logger } from "@shopgraph/logger";
import { oidcSettings, type UsersConfig } from "../config.ts";
import type { SessionDeps } from "../domain/sessions.ts";
import type { SocialLoginDeps } from "../domain/social-login.ts";
import { createFlowStore } from "./flow-store.ts";
import { createOidcClient, newFlowSecrets } from "./oidc-client.ts";

/**
 * Social login's dependencies: started flows live in Redis when there is one (any replica may
 * complete a flow another started), in-process otherwise; the OIDC client discovers lazily.
 */
export function createSocialLoginDeps(
  config: UsersConfig,
  sessions: SessionDeps,
  redis: Redis | undefined,
  logger: Logger,
): SocialLoginDeps {
  const cache = redis
    ? // The throttle's deadline, not the fail-open 50 ms of caches: a flow that cannot be stored or read fails the sign-in.
      new RedisKeyValueCache(redis, `${config.REDIS_KEY_PREFIX}users:`, {
        use: "oidc_flows",
        logger,
        timeoutMs: config.LOGIN_THROTTLE_TIMEOUT_MS,
      })
    : new MemoryKeyValueCache(10_000);
  return {
    ...sessions,
    settings: oidcSettings(config),
    oidc: createOidcClient({ httpTimeoutMs: config.OIDC_HTTP_TIMEOUT_MS }),
    flows: createFlowStore(cache),
    newSecrets: newFlowSecrets,
    logger,
  };
}
