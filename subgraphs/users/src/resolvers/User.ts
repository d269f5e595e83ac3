import { forbidden } from "@shopgraph/errors";
import { requireOwnerOrAdmin } from "@shopgraph/auth";
import { isUuid } from "@shopgraph/subgraph-kit";
import { listAuthorizedApps } from "../domain/apps.ts";
import type { UserResolvers } from "../generated/resolvers-types.ts";

export const User = {
  // Batched: the gateway's _entities call for N users costs one query.
  __resolveReference: (ref, ctx) => (isUuid(ref.id) ? ctx.loaders.user.load(ref.id) : null),
  // The user themself, an ADMIN, or the session this very request issued (register/login/refresh
  // answer with the signed-in user before any token was sent). The SDL's customer_data policy adds
  // the read_customers scope for signed-in callers.
  email: (user, _, ctx) =>
    ctx.sessionUserId === user.id ? user.email : (requireOwnerOrAdmin(ctx.viewer, user.id), user.email),
  // The user themself only (not even an ADMIN): which providers can sign in to an account is theirs to know.
  identities: (user, _, ctx) => {
    const self = ctx.viewer?.id === user.id || ctx.sessionUserId === user.id;
    return self
      ? ctx.loaders.identities.load(user.id)
      : Promise.reject(forbidden("Only the user themself sees their linked identities"));
  },
  // The user themself only (not an ADMIN): which apps act for an account is its owner's business.
  authorizedApps: (user, _, ctx) =>
    ctx.viewer?.id === user.id
      ? listAuthorizedApps(ctx.db, user.id)
      : Promise.reject(forbidden("Only the user themself sees their authorized apps")),
} satisfies UserResolvers;
