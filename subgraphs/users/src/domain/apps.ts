import { createHash, randomBytes } from "node:crypto";
import { isScope, type RevocationList } from "@shopgraph/auth";
import { DomainError, userError, type UserError } from "@shopgraph/errors";
import { isUuid } from "@shopgraph/subgraph-kit";
import type { Db } from "../db/client.ts";
import {
  deleteAppWithArtifacts,
  findApp,
  findAppsByIds,
  insertApp,
  setAppSecretHash,
  type StoredApp,
} from "../db/app-repository.ts";
import { destroyGrantWithArtifacts, findGrantsOfAccount } from "../db/oidc-payload-repository.ts";

/** What app management needs: the database and the revocations every verifier follows. */
export interface AppDeps {
  db: Db;
  revocations: Pick<RevocationList, "revokeClient" | "revokeSession">;
}

/** The admin's input for a new app (the contract's RegisterAppInput). */
export interface NewAppInput {
  name: string;
  type: "PUBLIC" | "CONFIDENTIAL";
  redirectUris: readonly string[];
  scopes: readonly string[];
  machineToMachine?: boolean | null | undefined;
}

/** A registered app and, for CONFIDENTIAL apps, the secret shown this once. */
export interface RegisteredApp {
  app: StoredApp;
  clientSecret: string | null;
}

/** An app a user authorized, with what they granted and when. */
export interface AppAuthorization {
  app: StoredApp;
  scopes: string[];
  authorizedAt: Date;
}

/** The hash a CONFIDENTIAL app's secret is stored as (256 random bits: SHA-256 suffices, no slow hash needed). */
export function hashClientSecret(secret: string): string {
  return `sha256:${createHash("sha256").update(secret).digest("hex")}`;
}

/** The API scopes (as opposed to `openid`/`offline_access`) in a space-separated scope string. */
export const apiScopes = (scope: string | undefined): string[] => (scope ?? "").split(" ").filter(isScope);

const MAX_REDIRECT_URIS = 10;
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);
const notFound = (field: string[]) => new DomainError(userError("NOT_FOUND", "App not found", field));

/** 256 random bits; only their hash is stored. */
const newSecret = () => `sgs_${randomBytes(32).toString("base64url")}`;

/**
 * Redirect URIs as the OAuth security BCP (RFC 9700) allows them: https; http only on loopback
 * (development, native apps); private-use schemes (`com.example.app:/cb`) for PUBLIC native apps;
 * never a fragment, never credentials. Matching is exact (oidc-provider compares the whole string).
 */
function checkRedirectUri(uri: string, type: NewAppInput["type"], index: number): UserError | null {
  const field = ["input", "redirectUris", String(index)];
  const bad = (why: string) => userError("INVALID_REDIRECT_URI", `Redirect URI ${index + 1} ${why}`, field);
  if (uri.length > 2_000 || !URL.canParse(uri)) return bad("is not an absolute URL");
  const url = new URL(uri);
  if (url.hash || uri.includes("#")) return bad("must not contain a fragment");
  if (url.username || url.password) return bad("must not contain credentials");
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:") return LOOPBACK.has(url.hostname) ? null : bad("may use http only on localhost");
  if (type === "PUBLIC" && /^[a-z][a-z0-9+-]*\.[a-z0-9.+-]+:$/.test(url.protocol)) return null;
  return bad("must use https (or a reverse-domain scheme such as com.example.app: for a PUBLIC native app)");
}

/** Validates a new app; every problem at once. */
function checkNewApp(input: NewAppInput): UserError[] {
  const errors: UserError[] = [];
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100)
    errors.push(userError("INVALID_APP_NAME", "The name must be 1–100 characters", ["input", "name"]));
  if (input.redirectUris.length > MAX_REDIRECT_URIS)
    errors.push(
      userError("INVALID_REDIRECT_URI", `At most ${MAX_REDIRECT_URIS} redirect URIs`, ["input", "redirectUris"]),
    );
  input.redirectUris.slice(0, MAX_REDIRECT_URIS).forEach((uri, i) => {
    const error = checkRedirectUri(uri, input.type, i);
    if (error) errors.push(error);
  });
  if (input.machineToMachine && input.type === "PUBLIC") {
    errors.push(
      userError(
        "PUBLIC_APP_CANNOT_USE_CLIENT_CREDENTIALS",
        "Only a CONFIDENTIAL app (holding a secret) may act as itself",
        ["input", "machineToMachine"],
      ),
    );
  }
  if (input.redirectUris.length === 0 && !input.machineToMachine) {
    errors.push(
      userError("REDIRECT_URI_REQUIRED", "An app that signs users in needs at least one redirect URI", [
        "input",
        "redirectUris",
      ]),
    );
  }
  const unknown = input.scopes.filter((scope) => !isScope(scope));
  if (unknown.length > 0)
    errors.push(userError("UNKNOWN_SCOPE", `Unknown scope(s): ${unknown.slice(0, 5).join(", ")}`, ["input", "scopes"]));
  if (input.scopes.length === 0)
    errors.push(userError("UNKNOWN_SCOPE", "At least one scope is required", ["input", "scopes"]));
  return errors;
}

/** ADMIN: registers an app. A CONFIDENTIAL app's secret is returned here once and stored hashed. */
export async function registerApp(db: Db, actorId: string, input: NewAppInput): Promise<RegisteredApp> {
  const errors = checkNewApp(input);
  if (errors.length > 0) throw new DomainError(...errors);
  const clientSecret = input.type === "CONFIDENTIAL" ? newSecret() : null;
  const app = await insertApp(db, {
    name: input.name.trim(),
    type: input.type,
    redirectUris: [...new Set(input.redirectUris)],
    scopes: [...new Set(input.scopes)],
    machineToMachine: input.machineToMachine === true,
    secretHash: clientSecret ? hashClientSecret(clientSecret) : null,
    createdById: actorId,
  });
  return { app, clientSecret };
}

/** ADMIN: replaces a CONFIDENTIAL app's secret; the old one stops authenticating at once. */
export async function rotateAppSecret(db: Db, id: string): Promise<RegisteredApp> {
  const app = isUuid(id) ? await findApp(db, id) : null;
  if (!app) throw notFound(["id"]);
  if (app.type !== "CONFIDENTIAL")
    throw new DomainError(userError("PUBLIC_APP_HAS_NO_SECRET", "A PUBLIC app has no secret to rotate", ["id"]));
  const clientSecret = newSecret();
  if (!(await setAppSecretHash(db, id, hashClientSecret(clientSecret)))) throw notFound(["id"]);
  return { app: { ...app, secretHash: null }, clientSecret };
}

/**
 * ADMIN: deletes an app with its grants, codes and refresh tokens; every access token issued to
 * it is revoked for every verifier (client revocation: `client_id`, issued until now).
 */
export async function deleteApp(deps: AppDeps, id: string): Promise<void> {
  const grants = isUuid(id) ? await deleteAppWithArtifacts(deps.db, id) : null;
  if (!grants) throw notFound(["id"]);
  await deps.revocations.revokeClient(id);
}

/** The apps a user authorized: one entry per app, the scopes of all its grants together. */
export async function listAuthorizedApps(db: Db, userId: string): Promise<AppAuthorization[]> {
  const grants = await findGrantsOfAccount(db, userId);
  const apps = new Map(
    (await findAppsByIds(db, [...new Set(grants.map((g) => g.clientId))])).map((app) => [app.id, app]),
  );
  const byApp = new Map<string, AppAuthorization>();
  for (const grant of grants) {
    const app = apps.get(grant.clientId);
    if (!app) continue;
    const resources = (grant.payload.resources ?? {}) as Record<string, string>;
    const scopes = Object.values(resources).flatMap((scope) => apiScopes(scope));
    const authorizedAt = new Date(Number(grant.payload.iat ?? 0) * 1000);
    const entry = byApp.get(app.id);
    if (!entry) byApp.set(app.id, { app, scopes: [...new Set(scopes)], authorizedAt });
    else
      byApp.set(app.id, {
        app,
        scopes: [...new Set([...entry.scopes, ...scopes])],
        authorizedAt: entry.authorizedAt < authorizedAt ? entry.authorizedAt : authorizedAt,
      });
  }
  return [...byApp.values()].sort((a, b) => b.authorizedAt.getTime() - a.authorizedAt.getTime());
}

/**
 * The user withdraws an app's access: its grants and refresh tokens are deleted, and the access
 * tokens issued under them revoked everywhere (their `sid` is the grant id).
 */
export async function revokeAppAuthorization(deps: AppDeps, userId: string, appId: string): Promise<void> {
  const grants = isUuid(appId) ? await findGrantsOfAccount(deps.db, userId, appId) : [];
  if (grants.length === 0)
    throw new DomainError(userError("NOT_AUTHORIZED_APP", "This app has no access to your account", ["appId"]));
  for (const grant of grants) {
    await destroyGrantWithArtifacts(deps.db, grant.id);
    if (isUuid(grant.id)) await deps.revocations.revokeSession(grant.id);
  }
}
