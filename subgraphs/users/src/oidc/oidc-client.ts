import * as client from "openid-client";
import { isLoopbackHttp, type OidcProviderSettings } from "./oidc-settings.ts";

/** What a fully verified ID token says about the person signing in. */
export interface VerifiedIdentity {
  /** The token's `iss` (for Entra's multi-tenant issuers, the user's own tenant). */
  issuer: string;
  subject: string;
  email: string | null;
  /** Only true when the provider asserted `email_verified`. */
  emailVerified: boolean;
  name: string | null;
}

/** Why a provider call failed: the provider did not answer, refused, or sent an ID token that failed verification. */
export type OidcFailureKind = "unavailable" | "refused" | "invalid_id_token";

/** A failed provider call, classified; the cause stays for the log, never for the client. */
export class OidcFailure extends Error {
  override readonly name = "OidcFailure";
  readonly kind: OidcFailureKind;
  constructor(kind: OidcFailureKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

/** A started flow's secrets, needed again to finish it. */
export interface FlowSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The protocol side of social login (openid-client); the domain sees no OAuth details. */
export interface OidcClient {
  /** The provider's authorization URL for a code flow with PKCE S256, state and nonce. */
  authorizationUrl(provider: OidcProviderSettings, redirectUri: string, secrets: FlowSecrets): Promise<string>;
  /** Redeems the code (with the PKCE verifier) and verifies the ID token: signature (JWKS), iss, aud, nonce, exp. */
  exchangeCode(
    provider: OidcProviderSettings,
    redirectUri: string,
    code: string,
    secrets: FlowSecrets,
  ): Promise<VerifiedIdentity>;
}

/** Discovery documents are re-read this often (endpoints rarely move; keys rotate through the JWKS cache). */
const DISCOVERY_MAX_AGE_MS = 60 * 60_000;

/**
 * The configured method, else client_secret_basic unless the provider only offers
 * client_secret_post (Apple). Decided per request from the discovered metadata; RFC 8414 makes
 * basic the default when nothing is listed.
 */
function clientSecretAuth(provider: OidcProviderSettings): client.ClientAuth {
  const basic = client.ClientSecretBasic(provider.clientSecret);
  const post = client.ClientSecretPost(provider.clientSecret);
  if (provider.tokenEndpointAuthMethod) return provider.tokenEndpointAuthMethod === "client_secret_post" ? post : basic;
  return (as, metadata, body, headers) => {
    const supported = as.token_endpoint_auth_methods_supported;
    const usePost =
      supported !== undefined && !supported.includes("client_secret_basic") && supported.includes("client_secret_post");
    (usePost ? post : basic)(as, metadata, body, headers);
  };
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function isNetworkFailure(error: unknown): boolean {
  for (
    let e: unknown = error, depth = 0;
    e && typeof e === "object" && depth < 6;
    e = (e as { cause?: unknown }).cause, depth++
  ) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (code === "OAUTH_TIMEOUT" || code === "OAUTH_ABORT" || name === "TimeoutError" || name === "AbortError")
      return true;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
    // undici's fetch rejects with a bare TypeError("fetch failed") whose cause is the socket error.
    if (e instanceof TypeError && e.message === "fetch failed") return true;
  }
  return false;
}

/** Classifies an openid-client error: network → unavailable, an error answer → refused, anything else → the token failed its checks. */
function classify(error: unknown, phase: "discovery" | "exchange"): OidcFailure {
  if (error instanceof OidcFailure) return error;
  if (isNetworkFailure(error))
    return new OidcFailure("unavailable", "The sign-in provider did not answer in time", { cause: error });
  const code = (error as { code?: unknown }).code;
  if (
    error instanceof client.ResponseBodyError ||
    error instanceof client.AuthorizationResponseError ||
    code === "OAUTH_RESPONSE_IS_NOT_CONFORM" ||
    code === "OAUTH_RESPONSE_IS_NOT_JSON" ||
    phase === "discovery"
  ) {
    const detail = error instanceof client.ResponseBodyError ? `: ${error.error}` : "";
    return new OidcFailure("refused", `The sign-in provider refused the request${detail}`, { cause: error });
  }
  return new OidcFailure("invalid_id_token", "The sign-in provider's ID token failed verification", { cause: error });
}

/** Apple sends `email_verified` as the string "true"; everyone else as a boolean. */
const asVerified = (value: unknown): boolean => value === true || value === "true";

/**
 * Creates the OIDC client. Each provider's discovery document is fetched on first use (so a
 * provider that is down does not stop the service from starting) and kept for an hour; a failed
 * discovery is not kept, so the next attempt retries.
 */
export function createOidcClient(options: { httpTimeoutMs: number }): OidcClient {
  const configs = new Map<string, { at: number; config: Promise<client.Configuration> }>();

  const configOf = (provider: OidcProviderSettings): Promise<client.Configuration> => {
    const cached = configs.get(provider.id);
    if (cached && Date.now() - cached.at < DISCOVERY_MAX_AGE_MS) return cached.config;
    const execute = [
      // Without it openid-client v6 trusts the TLS channel and does not check the ID token's signature.
      client.enableNonRepudiationChecks,
      // Loopback http only (the config refuses it in production): the in-process test IdP has no TLS.
      ...(isLoopbackHttp(new URL(provider.issuer)) ? [client.allowInsecureRequests] : []),
    ];
    const config = client.discovery(
      new URL(provider.issuer),
      provider.clientId,
      undefined,
      clientSecretAuth(provider),
      {
        timeout: options.httpTimeoutMs / 1000,
        execute,
      },
    );
    configs.set(provider.id, { at: Date.now(), config });
    config.catch(() => configs.get(provider.id)?.config === config && configs.delete(provider.id));
    return config;
  };

  return {
    async authorizationUrl(provider, redirectUri, secrets) {
      const config = await configOf(provider).catch((error: unknown) => Promise.reject(classify(error, "discovery")));
      const url = client.buildAuthorizationUrl(config, {
        ...provider.authorizationParams,
        redirect_uri: redirectUri,
        scope: provider.scope,
        response_type: "code",
        code_challenge: await client.calculatePKCECodeChallenge(secrets.codeVerifier),
        code_challenge_method: "S256",
        state: secrets.state,
        nonce: secrets.nonce,
      });
      return url.href;
    },

    async exchangeCode(provider, redirectUri, code, secrets) {
      const config = await configOf(provider).catch((error: unknown) => Promise.reject(classify(error, "discovery")));
      const callback = new URL(redirectUri);
      callback.searchParams.set("code", code);
      callback.searchParams.set("state", secrets.state);
      // RFC 9207: a provider that advertises the `iss` response parameter makes openid-client require it.
      // The client relays only code and state; the flow is already bound to this provider server-side
      // (the mix-up attack `iss` prevents needs the client to choose the provider), so this issuer is the truth.
      const metadata = config.serverMetadata();
      if (metadata.authorization_response_iss_parameter_supported) callback.searchParams.set("iss", metadata.issuer);
      try {
        const tokens = await client.authorizationCodeGrant(config, callback, {
          pkceCodeVerifier: secrets.codeVerifier,
          expectedState: secrets.state,
          expectedNonce: secrets.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (!claims) throw new OidcFailure("invalid_id_token", "The sign-in provider sent no ID token");
        return {
          issuer: claims.iss,
          subject: claims.sub,
          email: typeof claims.email === "string" ? claims.email : null,
          emailVerified: asVerified(claims.email_verified),
          name: typeof claims.name === "string" ? claims.name : null,
        };
      } catch (error) {
        throw classify(error, "exchange");
      }
    },
  };
}

/** Fresh, unguessable state, nonce and PKCE verifier for one flow (openid-client's generators: 32 random bytes each). */
export const newFlowSecrets = (): FlowSecrets => ({
  state: client.randomState(),
  nonce: client.randomNonce(),
  codeVerifier: client.randomPKCECodeVerifier(),
});
