/** Roles from the contract. */
export type Role = "CUSTOMER" | "ADMIN";

/** The verified caller of a request. Built only from a verified token, never from a header. */
export interface Viewer {
  id: string;
  role: Role;
  /** The token's `jti`. */
  tokenId: string;
  /** The token's `sid`: the session (refresh-token family) it was issued for. */
  sessionId?: string;
}

/** The signing algorithm of access tokens; verifiers pin it (no `alg` confusion, no `none`). */
export const ACCESS_TOKEN_ALG = "EdDSA";

/** Context fields the auth rules read. */
export interface AuthContext {
  viewer: Viewer | null;
  /** True when the request carried a valid service credential (service-to-service calls). */
  isService: boolean;
}
