import { allow, rule } from "graphql-shield";
import { isAdmin, isAuthenticated } from "@shopgraph/auth";
import { forbidden, unauthenticated } from "@shopgraph/errors";
import type { UsersContext } from "./context.ts";

/**
 * A user's email: the user themself, an ADMIN, or the session just issued by this request
 * (register/login/refresh answer with the signed-in user before any token was sent).
 */
const canSeeEmail = rule("userEmail", { cache: "no_cache" })((user: { id: string }, _args, ctx: UsersContext) => {
  if (ctx.sessionUserId === user.id) return true;
  if (!ctx.viewer) return unauthenticated();
  return ctx.viewer.role === "ADMIN" || ctx.viewer.id === user.id ? true : forbidden();
});

/** Field-level authorization; anything not listed is denied. Entity fetches hit the User rules too. */
export const permissions = {
  Query: { me: allow, user: isAdmin, users: isAdmin, identityProviders: allow },
  Mutation: {
    register: allow,
    login: allow,
    refreshSession: allow,
    logout: allow,
    updateProfile: isAuthenticated,
    changePassword: isAuthenticated,
    setUserRole: isAdmin,
    startSocialLogin: allow,
    completeSocialLogin: allow,
    linkIdentity: isAuthenticated,
    unlinkIdentity: isAuthenticated,
  },
  User: { "*": allow, email: canSeeEmail },
  UserConnection: allow,
  UserEdge: allow,
  Session: allow,
  AuthPayload: allow,
  LogoutPayload: allow,
  UserPayload: allow,
  ChangePasswordPayload: allow,
  IdentityProvider: allow,
  StartSocialLoginPayload: allow,
  LinkedIdentity: allow,
};
