import { rule } from "graphql-shield";
import { forbidden, unauthenticated } from "@shopgraph/errors";
import type { AuthContext } from "./viewer.ts";

/** Any signed-in user. */
export const isAuthenticated = rule({ cache: "contextual" })((_parent, _args, ctx: AuthContext) => (ctx.viewer ? true : unauthenticated()));

/** ADMIN only: anonymous → UNAUTHENTICATED, others → FORBIDDEN. */
export const isAdmin = rule({ cache: "contextual" })((_parent, _args, ctx: AuthContext) => {
  if (!ctx.viewer) return unauthenticated();
  return ctx.viewer.role === "ADMIN" ? true : forbidden("ADMIN role required");
});

/** Service-to-service calls carrying the service credential. */
export const isService = rule({ cache: "contextual" })((_parent, _args, ctx: AuthContext) => (ctx.isService ? true : forbidden("Service credential required")));

// Ownership rules use no cache: graphql-shield's "strict" cache hashes the whole parent object and
// arguments for every guarded field (measured at ~45% of a subgraph's CPU on a 100-order page),
// while the rule itself is one id comparison.

/** The user the parent object belongs to, or an ADMIN. `ownerOf` reads the owner id from the parent. */
export function isOwnerOrAdmin<P>(name: string, ownerOf: (parent: P) => string | null | undefined) {
  return rule(name, { cache: "no_cache" })((parent: P, _args, ctx: AuthContext) => {
    if (!ctx.viewer) return unauthenticated();
    if (ctx.viewer.role === "ADMIN" || ownerOf(parent) === ctx.viewer.id) return true;
    return forbidden();
  });
}

/** The user the parent object belongs to, and nobody else (not even an ADMIN). */
export function isOwner<P>(name: string, ownerOf: (parent: P) => string | null | undefined) {
  return rule(name, { cache: "no_cache" })((parent: P, _args, ctx: AuthContext) => {
    if (!ctx.viewer) return unauthenticated();
    return ownerOf(parent) === ctx.viewer.id ? true : forbidden();
  });
}
