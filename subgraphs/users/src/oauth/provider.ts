import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { JWK } from "jose";
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import { isScope, type RevocationList } from "@shopgraph/auth";
import type { Logger } from "@shopgraph/logger";
import { isUuid } from "@shopgraph/subgraph-kit";
import type { Db } from "../db/client.ts";
import { findApp } from "../db/app-repository.ts";
import { findUserById } from "../db/user-repository.ts";
import { hashClientSecret } from "../domain/apps.ts";
import { renderErrorPage } from "./pages.ts";
import { createPrismaAdapterFactory } from "./prisma-adapter.ts";

/** Where the authorization server's endpoints live, under the public (gateway) origin. */
export const OAUTH_PREFIX = "/oauth";

/** What the authorization server is built from. */
export interface OAuthServerOptions {
  db: Db;
  /** OAUTH_ISSUER: the public gateway origin the verifier expects as `iss` of app tokens. */
  issuer: string;
  /** JWT_AUDIENCE: app tokens are for the same API as first-party ones. */
  audience: string;
  /** The users signing keys (private JWKs): app tokens verify against the one published JWKS. */
  privateJwks: JWK[];
  /** Keys signing the provider's cookies, newest first (OAUTH_COOKIE_KEYS). */
  cookieKeys: string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Revoking a grant kills its JWT access tokens too: they carry the grant id as `sid`. */
  revocations: Pick<RevocationList, "revokeSession">;
  logger: Logger;
}

/** The API scopes an ADMIN allowed an app when registering it (none for an unknown client). */
export async function allowedScopes(db: Db, clientId: string): Promise<string[]> {
  const app = isUuid(clientId) ? await findApp(db, clientId) : null;
  return app ? app.scopes.filter(isScope) : [];
}

/** The resource indicator (RFC 8707) of the GraphQL API; the only resource tokens are issued for. */
export const apiResource = (issuer: string) => `${issuer}/graphql`;

/**
 * oidc-provider configured as Shopgraph's authorization server: authorization code with PKCE
 * (required for every client) and a consent screen, rotating refresh tokens, client credentials,
 * revocation, introspection and discovery. Access tokens are RFC 9068 JWTs for the API resource,
 * signed EdDSA with the users keys, carrying `scope`, `client_id`, the user's `role` and `sid` =
 * the grant id, so withdrawing a grant is one session revocation for every verifier.
 */
export function createOAuthProvider(options: OAuthServerOptions): Provider {
  const { issuer, db } = options;
  const resource = apiResource(issuer);
  const route = (path: string) => `${OAUTH_PREFIX}${path}`;
  const configuration: Configuration = {
    adapter: createPrismaAdapterFactory(db),
    jwks: { keys: options.privateJwks },
    cookies: {
      keys: options.cookieKeys,
      long: { httpOnly: true, sameSite: "lax" },
      short: { httpOnly: true, sameSite: "lax" },
    },
    routes: {
      authorization: route("/auth"),
      token: route("/token"),
      jwks: route("/jwks"),
      revocation: route("/token/revocation"),
      introspection: route("/token/introspection"),
      userinfo: route("/me"),
      end_session: route("/session/end"),
      pushed_authorization_request: route("/request"),
      registration: route("/reg"),
      code_verification: route("/device"),
      device_authorization: route("/device/auth"),
      backchannel_authentication: route("/backchannel"),
      challenge: route("/challenge"),
      credential: route("/credential"),
    },
    interactions: { url: (_ctx, interaction) => route(`/interaction/${interaction.uid}`) },
    clientDefaults: {
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      id_token_signed_response_alg: "EdDSA",
      token_endpoint_auth_method: "client_secret_basic",
    },
    responseTypes: ["code"],
    // OAuth 2.1: PKCE for every code flow; S256 is the only method oidc-provider offers.
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: async (_ctx, indicator, client) => {
          if (indicator !== resource) throw new errors.InvalidTarget();
          return {
            // What this app may be granted at most (its registration); the consent screen narrows it further.
            scope: (await allowedScopes(db, client.clientId)).join(" "),
            audience: options.audience,
            accessTokenTTL: options.accessTokenTtlSeconds,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "EdDSA" } },
          };
        },
      },
    },
    async findAccount(_ctx, sub) {
      const user = isUuid(sub) ? await findUserById(db, sub) : null;
      return user ? { accountId: user.id, claims: () => ({ sub: user.id }) } : undefined;
    },
    async extraTokenClaims(_ctx, token) {
      if (token.kind !== "AccessToken" || !token.accountId) return undefined;
      // The role is read at issue time: verifiers cap the token's scopes by it (scopesForRole).
      const user = await findUserById(db, token.accountId);
      if (!user) throw new errors.InvalidGrant("the account no longer exists");
      return { role: user.role, sid: token.grantId };
    },
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed("refresh_token") && code.scopes.has("offline_access"),
    // Every refresh rotates: the presented refresh token is consumed, and presenting it again revokes the grant.
    rotateRefreshToken: true,
    clientBasedCORS: (_ctx, origin, client) =>
      client.redirectUris?.some((uri) => URL.canParse(uri) && new URL(uri).origin === origin) ?? false,
    ttl: {
      AccessToken: options.accessTokenTtlSeconds,
      ClientCredentials: options.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 15 * 60,
      Session: 24 * 3600,
      Grant: options.refreshTokenTtlSeconds,
      RefreshToken: options.refreshTokenTtlSeconds,
    },
    renderError: (ctx, out) => {
      ctx.type = "html";
      const page = renderErrorPage(out.error_description ?? out.error);
      ctx.set("content-security-policy", page.csp);
      ctx.body = page.html;
    },
  };
  const provider = new Provider(issuer, configuration);
  // URLs (discovery, redirects to the consent page) are built from the issuer, never from a Host header.
  provider.proxy = true;
  // Only a hash of each secret is stored (as `client_secret`): compare the hash of what is presented.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(
    this: { clientSecret?: string },
    actual: string,
  ) {
    const expected = Buffer.from(this.clientSecret ?? "");
    const presented = Buffer.from(hashClientSecret(actual));
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  };
  provider.on("grant.revoked", (_ctx: KoaContextWithOIDC, grantId: string) => {
    // Refresh-token reuse, revocation of a refresh token: its JWT access tokens die too.
    if (isUuid(grantId))
      options.revocations
        .revokeSession(grantId)
        .catch((error: unknown) => options.logger.error({ err: error }, "grant revocation not shared"));
  });
  provider.on("server_error", (_ctx: KoaContextWithOIDC, error: Error) =>
    options.logger.error({ err: error }, "oauth server error"),
  );
  return provider;
}

/**
 * The HTTP handler in front of the provider: the forwarded origin is always the issuer's (the
 * gateway forwards to users; nobody else decides which origin the provider thinks it serves), and
 * the client address is the one users trusts for throttling.
 */
export function providerHandler(provider: Provider, issuer: string, clientIp: (req: IncomingMessage) => string) {
  const callback = provider.callback();
  const origin = new URL(issuer);
  return (req: IncomingMessage, res: ServerResponse) => {
    req.headers["x-forwarded-proto"] = origin.protocol.slice(0, -1);
    req.headers["x-forwarded-host"] = origin.host;
    req.headers["x-forwarded-for"] = clientIp(req);
    return callback(req, res);
  };
}
