/** Roles from the contract. */
export type Role = "CUSTOMER" | "ADMIN";

/** Scope names, as strings here so this file stays free of imports (the list is in scopes.ts). */
type ScopeName = string;

/** The verified caller of a request. Built only from a verified token, never from a header. */
export interface Viewer {
  id: string;
  role: Role;
  /** The token's `jti`. */
  tokenId: string;
  /** The token's `sid`: the session (refresh-token family) it was issued for. */
  sessionId?: string;
  /**
   * What the token may do (`@requiresScopes`): a first-party session holds every scope its role
   * allows; an app token holds its `scope` claim intersected with that. See scopesForRole.
   */
  scopes: ReadonlySet<ScopeName>;
  /** The OAuth app (`client_id`) the token was issued to; absent on first-party sessions. */
  clientId?: string;
  /** True for a client-credentials token: the app acting as itself (`sub` is the app's client id), no user behind it. */
  isMachine?: boolean;
}

/** The signing algorithm of access tokens; verifiers pin it (no `alg` confusion, no `none`). */
export const ACCESS_TOKEN_ALG = "EdDSA";

/** Context fields the auth rules read. */
export interface AuthContext {
  viewer: Viewer | null;
  /** True when the request carried a valid service credential (service-to-service calls). */
  isService: boolean;
}
