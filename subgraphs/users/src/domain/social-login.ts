import { DomainError, userError, type UserError } from "@shopgraph/errors";
import type { Db } from "../db/client.ts";
import {
  createUserWithIdentity,
  deleteIdentityUnlessLast,
  findUserByIdentity,
  insertIdentity,
  type NewIdentity,
} from "../db/identity-repository.ts";
import { findUserByEmail, findUserById, type PublicUser } from "../db/user-repository.ts";
import type { FlowStore } from "../oidc/flow-store.ts";
import {
  OidcFailure,
  type FlowSecrets,
  type OidcClient,
  type OidcFailureKind,
  type VerifiedIdentity,
} from "../oidc/oidc-client.ts";
import type { OidcProviderSettings, OidcSettings } from "../oidc/oidc-settings.ts";
import { registeredEvent } from "./accounts.ts";
import { startSession, type IssuedSession, type SessionDeps } from "./sessions.ts";
import { checkEmail, checkName, normalizeEmail, normalizeName } from "./validation.ts";

/** What social login needs besides sessions: the providers, the protocol client and the flow store. */
export interface SocialLoginDeps extends SessionDeps {
  settings: OidcSettings;
  oidc: OidcClient;
  flows: FlowStore;
  /** Fresh state, nonce and PKCE verifier (openid-client's generators). */
  newSecrets: () => FlowSecrets;
  /** Provider failures are answered with a code; their cause is logged here. */
  logger: { warn(details: object, message: string): void };
}

/** The code and state the provider sent back, as the client relays them. */
export interface CompleteSocialLoginInput {
  provider: string;
  redirectUri: string;
  code: string;
  state: string;
}

const fail = (code: string, message: string, field?: string[]): never => {
  throw new DomainError(userError(code, message, field));
};

// Stable codes per failure class: a client retries on PROVIDER_UNAVAILABLE, restarts on the others.
const FAILURE_CODES: Record<OidcFailureKind, string> = {
  unavailable: "PROVIDER_UNAVAILABLE",
  refused: "PROVIDER_ERROR",
  invalid_id_token: "INVALID_ID_TOKEN",
};

/** The configured providers, for the login screen. */
export function listIdentityProviders(settings: OidcSettings): { id: string; name: string }[] {
  return settings.providers.map((p) => ({ id: p.id, name: p.name }));
}

function providerOf(settings: OidcSettings, id: string, field: string[]): OidcProviderSettings {
  return (
    settings.providers.find((p) => p.id === id) ??
    fail("UNKNOWN_PROVIDER", `No sign-in provider "${id.slice(0, 40)}" is configured`, field)
  );
}

/** Runs a provider call; an OidcFailure becomes its userError (cause logged, never shown). */
async function providerCall<T>(
  deps: SocialLoginDeps,
  provider: OidcProviderSettings,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof OidcFailure)) throw error;
    deps.logger.warn(
      { provider: provider.id, kind: error.kind, err: error.cause },
      "social login: provider call failed",
    );
    return fail(FAILURE_CODES[error.kind], error.message);
  }
}

/**
 * Starts a social login: checks the provider and the redirect URI (exact match against the
 * allow-list), keeps nonce and PKCE verifier server-side under the state, and returns the
 * provider's authorization URL. A signed-in caller's flow may later be used to link.
 */
export async function startSocialLogin(
  deps: SocialLoginDeps,
  input: { provider: string; redirectUri: string },
  viewerId: string | null,
): Promise<{ authorizationUrl: string; state: string }> {
  const provider = providerOf(deps.settings, input.provider, ["input", "provider"]);
  if (!deps.settings.redirectUris.includes(input.redirectUri))
    fail("INVALID_REDIRECT_URI", "This redirect URI is not allowed", ["input", "redirectUri"]);
  const secrets = deps.newSecrets();
  const authorizationUrl = await providerCall(deps, provider, () =>
    deps.oidc.authorizationUrl(provider, input.redirectUri, secrets),
  );
  const flow = {
    provider: provider.id,
    redirectUri: input.redirectUri,
    nonce: secrets.nonce,
    codeVerifier: secrets.codeVerifier,
    startedBy: viewerId,
  };
  await deps.flows.put(secrets.state, flow, deps.settings.flowTtlSeconds);
  return { authorizationUrl, state: secrets.state };
}

/**
 * Takes the flow (single use: a second completion with the same state is INVALID_STATE), checks
 * it was started for this provider and redirect URI (and, to link, by this user), then redeems the
 * code and verifies the ID token.
 */
async function redeem(
  deps: SocialLoginDeps,
  input: CompleteSocialLoginInput,
  linkingUserId?: string,
): Promise<{ provider: OidcProviderSettings; identity: VerifiedIdentity }> {
  const invalidState = () =>
    fail("INVALID_STATE", "This sign-in has expired, was already used, or was not started here: start again", [
      "input",
      "state",
    ]);
  // A state this long was not made here; refusing it before the store keeps oversized keys out.
  const flow = input.state.length <= 256 ? await deps.flows.take(input.state) : null;
  if (!flow || flow.provider !== input.provider || flow.redirectUri !== input.redirectUri) return invalidState();
  if (linkingUserId !== undefined && flow.startedBy !== linkingUserId) return invalidState();
  const provider = providerOf(deps.settings, flow.provider, ["input", "provider"]);
  const secrets = { state: input.state, nonce: flow.nonce, codeVerifier: flow.codeVerifier };
  const identity = await providerCall(deps, provider, () =>
    deps.oidc.exchangeCode(provider, flow.redirectUri, input.code, secrets),
  );
  return { provider, identity };
}

const newIdentity = (provider: OidcProviderSettings, identity: VerifiedIdentity): NewIdentity => ({
  provider: provider.id,
  issuer: identity.issuer,
  subject: identity.subject,
  email: identity.emailVerified && identity.email ? normalizeEmail(identity.email) : null,
});

const firstOk = (errors: UserError[]) => errors.length === 0;

/** The new account's name: the provider's, else the email's local part (Apple sends no name in the ID token). */
function accountName(identity: VerifiedIdentity, email: string): string {
  const candidate = identity.name ? normalizeName(identity.name) : "";
  if (candidate && firstOk(checkName(candidate, []))) return candidate;
  return normalizeName(email.split("@")[0]!.slice(0, 100)) || "Customer";
}

const emailTakenBySomeone = (provider: OidcProviderSettings) =>
  fail(
    "EMAIL_TAKEN",
    `An account with this email already exists: sign in to it, then link ${provider.name} from your account`,
  );

/** Signs in the (issuer, subject) identity's user, creating a CUSTOMER account on the first login. */
async function userForLogin(db: Db, provider: OidcProviderSettings, identity: VerifiedIdentity): Promise<PublicUser> {
  const linked = await findUserByIdentity(db, identity.issuer, identity.subject);
  if (linked) return linked;
  if (!identity.email || !identity.emailVerified) {
    return fail(
      "EMAIL_NOT_VERIFIED",
      `${provider.name} did not confirm a verified email address; verify it there, or register with a password`,
    );
  }
  const email = normalizeEmail(identity.email);
  if (!firstOk(checkEmail(email, [])))
    return fail("INVALID_EMAIL", `${provider.name} sent an email address Shopgraph cannot use`);
  // Never take over an account by email: its owner links the provider while signed in (linkIdentity).
  if (await findUserByEmail(db, email)) return emailTakenBySomeone(provider);
  const created = await createUserWithIdentity(
    db,
    { email, name: accountName(identity, email) },
    newIdentity(provider, identity),
    registeredEvent,
  );
  if (created === "email_taken") return emailTakenBySomeone(provider);
  if (created === "identity_taken") {
    // A concurrent first login of the same identity created the account a moment ago.
    return (
      (await findUserByIdentity(db, identity.issuer, identity.subject)) ??
      fail("IDENTITY_IN_USE", "This sign-in is being set up; try again")
    );
  }
  return created;
}

/** Finishes a social login: signs in the linked account (or creates it) with the same sessions as password login. */
export async function completeSocialLogin(
  deps: SocialLoginDeps,
  input: CompleteSocialLoginInput,
): Promise<IssuedSession> {
  const { provider, identity } = await redeem(deps, input);
  const user = await userForLogin(deps.db, provider, identity);
  return startSession(deps, user);
}

/** Links the provider identity to the signed-in user (who started this flow while signed in). */
export async function linkIdentity(
  deps: SocialLoginDeps,
  userId: string,
  input: CompleteSocialLoginInput,
): Promise<PublicUser> {
  const { provider, identity } = await redeem(deps, input, userId);
  const user = (await findUserById(deps.db, userId)) ?? fail("NOT_FOUND", "User not found");
  const owner = await findUserByIdentity(deps.db, identity.issuer, identity.subject);
  if (owner && owner.id !== userId)
    fail("IDENTITY_IN_USE", `This ${provider.name} account is already linked to another Shopgraph account`);
  if (!owner) {
    const conflict = await insertIdentity(deps.db, userId, newIdentity(provider, identity));
    if (conflict === "identity_taken")
      fail("IDENTITY_IN_USE", `This ${provider.name} account is already linked to another Shopgraph account`);
    if (conflict === "provider_taken")
      fail("ALREADY_LINKED", `Another ${provider.name} account is linked already: unlink it first`, [
        "input",
        "provider",
      ]);
  }
  return { id: user.id, email: user.email, name: user.name, role: user.role, createdAt: user.createdAt };
}

/** Unlinks the user's identity of a provider; refused when it is the last way to sign in. */
export async function unlinkIdentity(
  deps: Pick<SessionDeps, "db">,
  userId: string,
  provider: string,
): Promise<PublicUser> {
  const outcome = await deleteIdentityUnlessLast(deps.db, userId, provider);
  if (outcome === "not_linked")
    fail("NOT_LINKED", "No identity of this provider is linked to your account", ["provider"]);
  if (outcome === "last_sign_in_method")
    fail("LAST_SIGN_IN_METHOD", "This is your only way to sign in: link another provider first", ["provider"]);
  const user = (await findUserById(deps.db, userId)) ?? fail("NOT_FOUND", "User not found");
  return { id: user.id, email: user.email, name: user.name, role: user.role, createdAt: user.createdAt };
}
