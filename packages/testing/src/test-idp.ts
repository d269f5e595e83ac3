import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import {
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type JWK,
  type JWTPayload,
} from "jose";
import Provider, { type Configuration } from "oidc-provider";

/** An account the test IdP signs in; the claims land in the ID token (conformIdTokenClaims off). */
export interface TestIdpAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

/** A relying party registered at the test IdP (client_secret_basic, oidc-provider's default). */
export interface TestIdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

/** How the next ID tokens are rewritten before they leave the token endpoint (a misbehaving or hostile IdP). */
export interface IdTokenTampering {
  /** Returns the claims to sign instead. */
  claims?: (claims: JWTPayload) => JWTPayload;
  /** Sign with a key that is not in the IdP's JWKS (a forged token). */
  foreignKey?: boolean;
}

/** A running OpenID provider for tests. */
export interface TestIdp {
  /** The issuer identifier (http://127.0.0.1:<port>), its discovery document under /.well-known. */
  issuer: string;
  /** Accounts by subject; tests may add more at any time. */
  accounts: Map<string, TestIdpAccount>;
  /**
   * Drives the browser's part of an authorization request over HTTP: follows the redirects, signs in
   * as `sub` and grants consent (or denies it). Resolves to the URL the IdP sends the browser back to
   * (the redirect URI with code, state and iss, or with error).
   */
  authorize(authorizationUrl: string, sub: string, options?: { deny?: boolean }): Promise<URL>;
  /** Rewrites every ID token issued from now on until called again without arguments. */
  tamperIdTokens(tampering?: IdTokenTampering): void;
  /** Token endpoint requests seen so far (a replayed code shows up here). */
  readonly tokenRequests: number;
  close(): Promise<void>;
}

/** Options for {@link startTestIdp}. */
export interface TestIdpOptions {
  clients: TestIdpClient[];
  accounts?: TestIdpAccount[];
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/**
 * Starts `oidc-provider` (the certified Node OpenID provider) on an ephemeral loopback port, with a
 * minimal login + consent interaction of its own (a real, cookie-bound interaction over HTTP,
 * without devInteractions' HTML). PKCE is required; ID tokens carry email/email_verified/name.
 */
export async function startTestIdp(options: TestIdpOptions): Promise<TestIdp> {
  const accounts = new Map((options.accounts ?? []).map((a) => [a.sub, a]));
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const signingJwk: JWK = {
    ...(await exportJWK(privateKey)),
    kid: `idp-${randomUUID().slice(0, 8)}`,
    alg: "RS256",
    use: "sig",
  };
  // Made once: generating an RSA key inside the token endpoint could outlast a client's timeout.
  const foreignKey = (await generateKeyPair("RS256")).privateKey;
  let tampering: IdTokenTampering | undefined;
  let tokenRequests = 0;

  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => handler(req, res));
  server.on("connection", (socket) => (sockets.add(socket), socket.once("close", () => sockets.delete(socket))));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const configuration: Configuration = {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      response_types: ["code"],
      grant_types: ["authorization_code"],
    })),
    jwks: { keys: [signingJwk] },
    cookies: { keys: [randomBytes(16).toString("hex")] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // Without this the email claims go to userinfo only; real providers (Google, Entra …) put them in the ID token.
    conformIdTokenClaims: false,
    // Explicit lifetimes (oidc-provider's defaults print a notice per artifact kind).
    ttl: { AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, sub) => {
      const account = accounts.get(sub);
      return account ? { accountId: sub, claims: () => ({ ...account }) } : undefined;
    },
  };
  const provider = new Provider(issuer, configuration);
  // Rewrites the ID token in the token response, re-signed, to prove the relying party checks it.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== "/token") return;
    tokenRequests++;
    const body = ctx.body as { id_token?: string } | undefined;
    if (ctx.status !== 200 || !tampering || !body?.id_token) return;
    const claims = tampering.claims ? tampering.claims(decodeJwt(body.id_token)) : decodeJwt(body.id_token);
    const header = decodeProtectedHeader(body.id_token);
    const key = tampering.foreignKey ? foreignKey : await importJWK(signingJwk, "RS256");
    ctx.body = {
      ...body,
      id_token: await new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: header.kid ?? signingJwk.kid! })
        .sign(key),
    };
  });

  const interaction = async (req: IncomingMessage, res: ServerResponse, action: string | undefined) => {
    const details = await provider.interactionDetails(req, res);
    if (req.method === "GET") {
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ uid: details.uid, prompt: details.prompt.name }));
      return;
    }
    const form = await readForm(req);
    if (form.get("deny") === "true") {
      await provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "The user denied access" },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (action === "login") {
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: form.get("sub") ?? "" } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const { prompt, params, session, grantId } = details;
    const grant =
      (grantId ? await provider.Grant.find(grantId) : undefined) ??
      new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
    const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    await provider.interactionFinished(
      req,
      res,
      { consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: true },
    );
  };
  const callback = provider.callback();
  handler = (req, res) => {
    const match = /^\/interaction\/([\w-]+)(?:\/(login|consent))?$/.exec(new URL(req.url ?? "/", issuer).pathname);
    if (!match) return void callback(req, res);
    interaction(req, res, match[2]).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(400, { "content-type": "text/plain" });
      res.end(String(error));
    });
  };

  /** One browser: cookies by name (the flow is sequential, so the newest value is the one that counts). */
  async function authorize(
    authorizationUrl: string,
    sub: string,
    authorizeOptions: { deny?: boolean } = {},
  ): Promise<URL> {
    const jar = new Map<string, string>();
    const send = async (url: string, init: RequestInit = {}) => {
      const res = await fetch(url, {
        ...init,
        redirect: "manual",
        headers: {
          ...(init.headers as Record<string, string>),
          cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
        },
      });
      for (const cookie of res.headers.getSetCookie()) {
        const [pair] = cookie.split(";");
        const eq = pair!.indexOf("=");
        jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
      }
      return res;
    };
    let next = new URL(authorizationUrl);
    for (let hop = 0; hop < 12; hop++) {
      if (next.origin !== issuer) return next;
      const res = await send(next.href);
      if (res.status === 200 && next.pathname.startsWith("/interaction/")) {
        const { prompt } = (await res.json()) as { prompt: string };
        const form = new URLSearchParams(authorizeOptions.deny ? { deny: "true" } : { sub });
        const posted = await send(`${next.href}/${prompt === "login" ? "login" : "consent"}`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: form.toString(),
        });
        next = new URL(posted.headers.get("location") ?? `${issuer}/?status=${posted.status}`, issuer);
        continue;
      }
      const location = res.headers.get("location");
      if (!location) throw new Error(`test IdP answered ${res.status} at ${next.pathname}: ${await res.text()}`);
      next = new URL(location, issuer);
    }
    throw new Error("test IdP: too many redirects");
  }

  return {
    issuer,
    accounts,
    authorize,
    tamperIdTokens: (t) => void (tampering = t),
    get tokenRequests() {
      return tokenRequests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
