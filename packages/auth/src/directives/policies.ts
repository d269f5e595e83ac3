import type { Viewer } from "../viewer.ts";

/** Who asks: the verified viewer (null: anonymous) and whether the caller holds the service credential. */
export interface AccessSubject {
  viewer: Viewer | null;
  isService: boolean;
}

/**
 * The `@policy` names the SDLs may use, each a rule on the caller only (no data): rules that
 * depend on data (an order's owner) are domain code. An unknown policy name never passes.
 */
export const POLICIES: Readonly<Record<string, (subject: AccessSubject) => boolean>> = {
  /** An ADMIN user (or a client-credentials app, whose ceiling an ADMIN set). */
  admin: (s) => s.viewer?.role === "ADMIN",
  /** A first-party session: not an OAuth app acting for a user (password, role and app management). */
  first_party: (s) => s.viewer !== null && s.viewer.clientId === undefined,
  /**
   * Customer data (a user's email): a signed-in caller needs the read_customers scope; an anonymous
   * one passes, because the only account it can reach is the one its own request just signed in
   * (register/login answer with it), which the users subgraph's data rule checks.
   */
  customer_data: (s) => s.viewer === null || s.viewer.scopes.has("read_customers"),
  /** A sibling service holding the service credential (stock reservation); never true at the gateway. */
  service: (s) => s.isService,
};

/** The policy names {@link POLICIES} knows (SDL tests check every `@policy` against it). */
export const POLICY_NAMES: readonly string[] = Object.keys(POLICIES);
