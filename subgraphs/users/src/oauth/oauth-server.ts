import type { IncomingMessage } from "node:http";
import type { RevocationList } from "@shopgraph/auth";
import type { RouteHandler } from "@shopgraph/http";
import type { Logger } from "@shopgraph/logger";
import type { Db } from "../db/client.ts";
import { sweepExpiredOidcPayloads } from "../db/oidc-payload-repository.ts";
import type { AccountDeps } from "../domain/accounts.ts";
import type { SigningKeys } from "../domain/signing-keys.ts";
import { createInteractionHandler } from "./interaction-routes.ts";
import { createOAuthProvider, OAUTH_PREFIX, providerHandler } from "./provider.ts";

/** Settings of the authorization server, from the users config. */
export interface OAuthSettings {
  issuer: string;
  audience: string;
  cookieKeys: string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

/** What the users subgraph mounts: routes under /oauth/, discovery, and the expired-artifact sweep. */
export interface OAuthServer {
  prefixRoutes: Record<string, RouteHandler>;
  routes: Record<string, RouteHandler>;
  /** Starts deleting expired grants, codes and sessions every `everyMs` (default 10 min). */
  startSweeping(everyMs?: number): void;
  stopSweeping(): void;
}

/**
 * Shopgraph's OAuth 2.0 authorization server inside the users subgraph: oidc-provider for the
 * protocol, the sign-in/consent pages for the interactions, all state in the users database.
 */
export function createOAuthServer(
  settings: OAuthSettings,
  deps: {
    db: Db;
    keys: SigningKeys;
    accounts: Pick<AccountDeps, "db" | "throttle">;
    revocations: Pick<RevocationList, "revokeSession">;
    clientIp: (req: IncomingMessage) => string;
    logger: Logger;
  },
): OAuthServer {
  const provider = createOAuthProvider({
    ...settings,
    db: deps.db,
    privateJwks: deps.keys.privateJwks,
    revocations: deps.revocations,
    logger: deps.logger,
  });
  const protocol = providerHandler(provider, settings.issuer, deps.clientIp);
  const interactions = createInteractionHandler({
    provider,
    issuer: settings.issuer,
    accounts: deps.accounts,
    db: deps.db,
    csrfKey: settings.cookieKeys[0]!,
    clientIp: deps.clientIp,
    logger: deps.logger,
  });
  let timer: NodeJS.Timeout | undefined;
  return {
    prefixRoutes: {
      [`${OAUTH_PREFIX}/interaction/`]: (req, res, info) => interactions(req, res, info.url),
      [`${OAUTH_PREFIX}/`]: (req, res) => protocol(req, res),
    },
    // Discovery sits at the issuer's root (the issuer is the gateway origin, RFC 8414 / OIDC Discovery).
    routes: { "GET /.well-known/openid-configuration": (req, res) => protocol(req, res) },
    startSweeping(everyMs = 10 * 60_000) {
      timer = setInterval(() => {
        sweepExpiredOidcPayloads(deps.db).catch((error: unknown) =>
          deps.logger.warn({ err: error }, "oauth artifact sweep failed"),
        );
      }, everyMs);
      timer.unref();
    },
    stopSweeping: () => clearInterval(timer),
  };
}
