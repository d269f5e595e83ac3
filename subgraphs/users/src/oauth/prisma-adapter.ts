import type { Adapter, AdapterPayload } from "oidc-provider";
import type { Db } from "../db/client.ts";
import { findApp, type StoredApp } from "../db/app-repository.ts";
import {
  consumeOidcPayload,
  destroyOidcPayload,
  destroyOidcPayloadsByGrant,
  findOidcPayload,
  findOidcPayloadBy,
  upsertOidcPayload,
  type OidcRow,
} from "../db/oidc-payload-repository.ts";
import { isUuid } from "@shopgraph/subgraph-kit";

/** The OAuth scopes every client may ask for besides the API's own: sign-in and refresh tokens. */
const PROTOCOL_SCOPES = ["openid", "offline_access"];

/**
 * oidc-provider's client metadata for a registered app. PUBLIC apps authenticate with nothing
 * (`none`, so PKCE is mandatory); CONFIDENTIAL ones with their secret, whose stored hash stands in
 * for `client_secret` (see compareClientSecret in provider.ts). Only CONFIDENTIAL apps may use
 * client credentials: a public client cannot keep a credential to act as itself.
 */
export function clientMetadata(app: StoredApp): AdapterPayload {
  const interactive = app.redirectUris.length > 0;
  const grantTypes = [
    ...(interactive ? ["authorization_code", "refresh_token"] : []),
    ...(app.machineToMachine && app.type === "CONFIDENTIAL" ? ["client_credentials"] : []),
  ];
  return {
    client_id: app.id,
    client_name: app.name,
    redirect_uris: app.redirectUris,
    grant_types: grantTypes,
    response_types: interactive ? ["code"] : [],
    // The API scopes an app may get are its record's (features.resourceIndicators reads them);
    // oidc-provider's client `scope` may only list its own (OpenID) scopes.
    scope: PROTOCOL_SCOPES.join(" "),
    ...(app.type === "CONFIDENTIAL" && app.secretHash
      ? { token_endpoint_auth_method: "client_secret_basic", client_secret: app.secretHash }
      : { token_endpoint_auth_method: "none" }),
  };
}

const toPayload = (row: OidcRow | null): AdapterPayload | undefined => {
  if (!row || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return undefined;
  return {
    ...(row.payload as AdapterPayload),
    ...(row.consumedAt ? { consumed: Math.floor(row.consumedAt.getTime() / 1000) } : {}),
  };
};

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/**
 * Builds oidc-provider's storage over the users database, so every users replica sees the same
 * grants, codes, refresh tokens, sessions and interactions. Clients are not stored here: they are
 * the registered apps (read-only to the provider; the admin API manages them).
 */
export function createPrismaAdapterFactory(db: Db): (model: string) => Adapter {
  return (model) => {
    if (model === "Client") {
      return {
        async find(id) {
          const app = isUuid(id) ? await findApp(db, id) : null;
          return app ? clientMetadata(app) : undefined;
        },
        upsert: async () => {
          throw new Error("apps are registered through the admin API");
        },
        findByUid: async () => undefined,
        findByUserCode: async () => undefined,
        consume: async () => {},
        destroy: async () => {},
        revokeByGrantId: async () => {},
      };
    }
    return {
      async upsert(id, payload, expiresIn) {
        const columns = {
          grantId: str(payload.grantId),
          userCode: str(payload.userCode),
          uid: str(payload.uid),
          accountId: str(payload.accountId),
          clientId: str(payload.clientId),
        };
        await upsertOidcPayload(
          db,
          model,
          id,
          payload,
          columns,
          expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
        );
      },
      find: async (id) => toPayload(await findOidcPayload(db, model, id)),
      findByUid: async (uid) => toPayload(await findOidcPayloadBy(db, model, "uid", uid)),
      findByUserCode: async (userCode) => toPayload(await findOidcPayloadBy(db, model, "userCode", userCode)),
      consume: (id) => consumeOidcPayload(db, model, id),
      destroy: (id) => destroyOidcPayload(db, model, id),
      revokeByGrantId: (grantId) => destroyOidcPayloadsByGrant(db, model, grantId),
    };
  };
}
