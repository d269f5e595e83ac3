import type { Role } from "./viewer.ts";

/**
 * OAuth scopes of the public API (issue #14). A token's scopes are what `@requiresScopes` in the
 * subgraph SDLs checks; ownership and other data rules are checked in domain code on top.
 */
export const SCOPES = [
  "read_products",
  "write_products",
  "read_orders",
  "write_orders",
  "read_customers",
  "write_customers",
  "read_notifications",
] as const;

/** One of {@link SCOPES}. */
export type Scope = (typeof SCOPES)[number];

const KNOWN: ReadonlySet<string> = new Set(SCOPES);

/** True for a scope name of the public API. */
export const isScope = (value: string): value is Scope => KNOWN.has(value);

// A customer acts on their own data (own profile, own orders, own notifications) and reads the
// catalog; only ADMINs change the catalog. Ownership itself is domain code, not a scope.
const ROLE_SCOPES: Readonly<Record<Role, ReadonlySet<Scope>>> = {
  CUSTOMER: new Set(SCOPES.filter((s) => s !== "write_products")),
  ADMIN: new Set(SCOPES),
};

/** Every scope a role may hold: what a first-party session gets, and the ceiling of any app token for that user. */
export function scopesForRole(role: Role): ReadonlySet<Scope> {
  return ROLE_SCOPES[role];
}

/**
 * Parses an RFC 6749 `scope` claim (space-separated) into known scopes; unknown names (e.g.
 * `openid`, `offline_access`) are ignored, a non-string yields null (the token is malformed).
 */
export function parseScopeClaim(claim: unknown): Set<Scope> | null {
  if (typeof claim !== "string") return null;
  const scopes = new Set<Scope>();
  for (const name of claim.split(" ")) if (isScope(name)) scopes.add(name);
  return scopes;
}

/** The scopes a token grants: its `scope` claim (if any) intersected with what the role allows. */
export function effectiveScopes(role: Role, claimed: ReadonlySet<string> | undefined): ReadonlySet<Scope> {
  const allowed = scopesForRole(role);
  if (claimed === undefined) return allowed;
  return new Set([...allowed].filter((s) => claimed.has(s)));
}
