import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import { isScope, scopesForRole } from "@shopgraph/auth";
import { DomainError } from "@shopgraph/errors";
import { BodyTooLargeError, readBody } from "@shopgraph/http";
import type { Logger } from "@shopgraph/logger";
import type { Db } from "../db/client.ts";
import { findUserById } from "../db/user-repository.ts";
import { authenticate, type AccountDeps } from "../domain/accounts.ts";
import { redirectSources, renderConsentPage, renderErrorPage, renderLoginPage, type Page } from "./pages.ts";
import { allowedScopes, apiResource, OAUTH_PREFIX } from "./provider.ts";

/** What the sign-in and consent pages need. */
export interface InteractionDeps {
  provider: Provider;
  issuer: string;
  /** The password check of the first-party login (same throttle, same errors). */
  accounts: Pick<AccountDeps, "db" | "throttle">;
  db: Db;
  /** Keys the CSRF tokens with (the first cookie key). */
  csrfKey: string;
  clientIp: (req: IncomingMessage) => string;
  logger: Logger;
}

const PATH = new RegExp(`^${OAUTH_PREFIX}/interaction/([A-Za-z0-9_-]{1,64})(?:/(login|consent))?$`);
const FORM_LIMIT = 8 * 1024;

function send(res: ServerResponse, status: number, page: Page): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": page.csp,
    "cache-control": "no-store",
  });
  res.end(page.html);
}

/**
 * A synchronizer token bound to one interaction: an HMAC of its uid under a server key. Another
 * site cannot read the page that carries it, and a token of the attacker's own interaction is
 * useless without that interaction's cookie.
 */
export function csrfToken(key: string, uid: string): string {
  return createHmac("sha256", key).update(`oauth-interaction:${uid}`).digest("base64url");
}

function csrfValid(key: string, uid: string, presented: string | null): boolean {
  const expected = Buffer.from(csrfToken(key, uid));
  const actual = Buffer.from(presented ?? "");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * The authorization server's interaction pages: GET shows sign-in or consent (whichever the
 * provider asks for), POST …/login checks the password, POST …/consent records the grant
 * (approve, with the scopes left ticked) or the refusal (deny: access_denied to the app).
 */
export function createInteractionHandler(deps: InteractionDeps) {
  const { provider } = deps;
  const resource = apiResource(deps.issuer);

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const match = PATH.exec(url.pathname);
    if (!match || (req.method === "GET") === !!match[2] || (req.method !== "GET" && req.method !== "POST")) {
      return send(res, 404, renderErrorPage("This page does not exist."));
    }
    const uid = match[1]!;
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      return send(res, 400, renderErrorPage("This sign-in request has expired or was opened in another browser."));
    }
    if (details.uid !== uid)
      return send(res, 400, renderErrorPage("This sign-in request has expired or was opened in another browser."));
    const clientId = String(details.params.client_id ?? "");
    const client = await provider.Client.find(clientId);
    if (!client) return send(res, 400, renderErrorPage("This app is no longer registered."));
    const appName = client.clientName ?? "An app";
    const formTargets = redirectSources(client.redirectUris ?? []);
    const csrf = csrfToken(deps.csrfKey, uid);
    const base = `${OAUTH_PREFIX}/interaction/${uid}`;

    if (req.method === "GET") {
      if (details.prompt.name === "login")
        return send(
          res,
          200,
          renderLoginPage({ action: `${base}/login`, abortAction: `${base}/consent`, csrf, appName, formTargets }),
        );
      const view = await consentView(details, clientId);
      if (!view) return send(res, 400, renderErrorPage("Sign in again to continue."));
      return send(
        res,
        200,
        renderConsentPage({
          action: `${base}/consent`,
          csrf,
          appName,
          userEmail: view.email,
          scopes: view.grantable,
          withheld: view.withheld,
          formTargets,
        }),
      );
    }

    let form: URLSearchParams;
    try {
      form = new URLSearchParams(await readBody(req, FORM_LIMIT));
    } catch (error) {
      if (error instanceof BodyTooLargeError) return send(res, 413, renderErrorPage("The form was too large."));
      throw error;
    }
    if (!csrfValid(deps.csrfKey, uid, form.get("csrf")))
      return send(res, 403, renderErrorPage("The form expired. Go back, reload the page and try again."));

    if (form.get("decision") === "deny") {
      return provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "The user denied access" },
        { mergeWithLastSubmission: false },
      );
    }

    if (match[2] === "login") {
      if (details.prompt.name !== "login") return send(res, 400, renderErrorPage("You are already signed in."));
      const email = form.get("email") ?? "";
      try {
        const user = await authenticate(
          deps.accounts,
          { email, password: form.get("password") ?? "" },
          deps.clientIp(req),
        );
        return provider.interactionFinished(
          req,
          res,
          { login: { accountId: user.id } },
          { mergeWithLastSubmission: false },
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const code = error.userErrors[0]?.code;
        const page = renderLoginPage({
          action: `${base}/login`,
          abortAction: `${base}/consent`,
          csrf,
          appName,
          email,
          error: error.userErrors[0]?.message ?? "Sign-in failed",
          formTargets,
        });
        return send(res, code === "TOO_MANY_ATTEMPTS" ? 429 : 401, page);
      }
    }

    if (details.prompt.name !== "consent") return send(res, 400, renderErrorPage("Sign in first."));
    const view = await consentView(details, clientId);
    if (!view) return send(res, 400, renderErrorPage("Sign in again to continue."));
    // Granted: what the user left ticked, of what was offered (the app's allowance ∩ the role's).
    const ticked = new Set(form.getAll("scope"));
    const granted = view.grantable.filter((scope) => ticked.has(scope));
    const rejected = view.requested.filter((scope) => !granted.includes(scope));
    const accountId = details.session!.accountId;
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    // The grant id is a UUID: access tokens carry it as `sid`, which verifiers require to be one.
    const grant =
      existing ??
      new provider.Grant({ jti: randomUUID(), accountId, clientId } as ConstructorParameters<typeof provider.Grant>[0]);
    const missingOIDC = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
    if (missingOIDC.length > 0) grant.addOIDCScope(missingOIDC.join(" "));
    if (granted.length > 0) grant.addResourceScope(resource, granted.join(" "));
    // Rejected scopes are "encountered": without this the provider would ask for consent again.
    if (rejected.length > 0) grant.rejectResourceScope(resource, rejected.join(" "));
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };

  /** The scopes the consent screen offers: requested ∩ the app's allowance (the provider's) ∩ the user's role. */
  async function consentView(details: Awaited<ReturnType<Provider["interactionDetails"]>>, clientId: string) {
    const accountId = details.session?.accountId;
    const user = accountId ? await findUserById(deps.db, accountId) : null;
    if (!user) return null;
    const missing =
      (details.prompt.details.missingResourceScopes as Record<string, string[]> | undefined)?.[resource] ?? [];
    const allowed = new Set(await allowedScopes(deps.db, clientId));
    const requested = missing.filter((scope) => allowed.has(scope));
    const role = scopesForRole(user.role);
    return {
      email: user.email,
      requested,
      grantable: requested.filter((scope) => isScope(scope) && role.has(scope)),
      withheld: requested.filter((scope) => !isScope(scope) || !role.has(scope)),
    };
  }
}
