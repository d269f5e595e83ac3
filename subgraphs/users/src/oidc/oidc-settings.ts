import { z } from "@shopgraph/config";

/** One OpenID provider shoppers may sign in with (an entry of OIDC_PROVIDERS). */
export interface OidcProviderSettings {
  /** Stable id clients pass to startSocialLogin and that linked identities keep, e.g. "google". */
  id: string;
  /** Shown on the login screen, e.g. "Google". */
  name: string;
  /** Issuer identifier; endpoints and keys come from its discovery document. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Requested scopes; default "openid email profile". */
  scope: string;
  /** Extra authorization request parameters (Apple: response_mode=form_post). */
  authorizationParams: Record<string, string>;
  /** How the client secret is sent; unset: basic unless discovery offers only post. Auth0 enforces the app's setting. */
  tokenEndpointAuthMethod?: "client_secret_basic" | "client_secret_post" | undefined;
}

/** Social login's settings as the OIDC adapter and the domain use them. */
export interface OidcSettings {
  providers: readonly OidcProviderSettings[];
  /** Exact redirect URIs startSocialLogin accepts. */
  redirectUris: readonly string[];
  /** Deadline of each HTTP call to a provider (discovery, JWKS, token endpoint). */
  httpTimeoutMs: number;
  /** Lifetime of a started flow (state, nonce, PKCE verifier). */
  flowTtlSeconds: number;
}

// Parameters the flow sets itself: a configured value must never replace the CSRF and PKCE checks.
const RESERVED_PARAMS = new Set([
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
  "redirect_uri",
  "client_id",
  "response_type",
  "scope",
]);

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** True for http://127.0.0.1, http://localhost and http://[::1] URLs (test and local providers). */
export const isLoopbackHttp = (url: URL): boolean => url.protocol === "http:" && LOOPBACK.has(url.hostname);

const provider = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "must be 1–32 lowercase letters, digits, - or _"),
    name: z.string().trim().min(1).max(100),
    issuer: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    scope: z
      .string()
      .default("openid email profile")
      .refine((s) => s.split(" ").includes("openid"), "must include openid"),
    authorizationParams: z
      .record(z.string(), z.string())
      .default({})
      .refine(
        (p) => Object.keys(p).every((k) => !RESERVED_PARAMS.has(k)),
        `must not set ${[...RESERVED_PARAMS].join(", ")}`,
      ),
    tokenEndpointAuthMethod: z.enum(["client_secret_basic", "client_secret_post"]).optional(),
  })
  .strict();

/**
 * OIDC_PROVIDERS: a JSON list of providers. Every problem is reported with its index and field
 * (e.g. `OIDC_PROVIDERS.1.issuer: must be an http(s) URL`); unset or empty means no social login.
 */
export const oidcProvidersEnv = z
  .string()
  .optional()
  .transform((raw, ctx): OidcProviderSettings[] => {
    if (raw === undefined || raw.trim() === "") return [];
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      ctx.addIssue({
        code: "custom",
        message: 'must be a JSON list of {"id","name","issuer","clientId","clientSecret"}',
      });
      return z.NEVER;
    }
    const parsed = z.array(provider).safeParse(json);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: "custom", path: issue.path.map(String), message: issue.message });
      return z.NEVER;
    }
    const ids = parsed.data.map((p) => p.id);
    for (const [i, id] of ids.entries()) {
      if (ids.indexOf(id) !== i)
        ctx.addIssue({ code: "custom", path: [String(i), "id"], message: `duplicate provider id "${id}"` });
    }
    return parsed.data;
  });

/**
 * OIDC_REDIRECT_URIS: comma-separated absolute URLs, compared exactly. No query and no fragment:
 * openid-client derives the token request's redirect_uri from the callback URL without its query.
 */
export const oidcRedirectUrisEnv = z
  .string()
  .optional()
  .transform((raw, ctx): string[] => {
    const uris = (raw ?? "")
      .split(",")
      .map((u) => u.trim())
      .filter(Boolean);
    for (const uri of uris) {
      if (!URL.canParse(uri) || new URL(uri).hash || new URL(uri).search)
        ctx.addIssue({ code: "custom", message: `"${uri}" is not an absolute URL without query and fragment` });
    }
    return uris;
  });

/**
 * Cross-field rules: providers need redirect URIs, and production talks to providers over HTTPS
 * only (http is accepted for a loopback issuer outside production: the local test IdP).
 */
export function checkOidcEnv(
  env: { NODE_ENV: string; OIDC_PROVIDERS: OidcProviderSettings[]; OIDC_REDIRECT_URIS: string[] },
  ctx: z.RefinementCtx,
): void {
  if (env.OIDC_PROVIDERS.length > 0 && env.OIDC_REDIRECT_URIS.length === 0) {
    ctx.addIssue({ code: "custom", path: ["OIDC_REDIRECT_URIS"], message: "required when OIDC_PROVIDERS is set" });
  }
  for (const [i, p] of env.OIDC_PROVIDERS.entries()) {
    const url = new URL(p.issuer);
    if (url.protocol === "https:") continue;
    if (!isLoopbackHttp(url) || env.NODE_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["OIDC_PROVIDERS", String(i), "issuer"],
        message: "must be https (http only for a loopback issuer outside production)",
      });
    }
  }
}
