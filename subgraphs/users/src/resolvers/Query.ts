import { parseFirst, toConnection, createdAtCursor, isUuid } from "@shopgraph/subgraph-kit";
import { countUsers, listUsers } from "../db/user-repository.ts";
import { listIdentityProviders } from "../domain/social-login.ts";
import { countApps, listApps } from "../db/app-repository.ts";
import type { QueryResolvers } from "../generated/resolvers-types.ts";

export const Query = {
  me: (_, __, ctx) => (ctx.viewer ? ctx.loaders.user.load(ctx.viewer.id) : null),
  user: (_, args, ctx) => (isUuid(args.id) ? ctx.loaders.user.load(args.id) : null),
  users: async (_, args, ctx) => {
    const first = parseFirst(args.first);
    const rows = await listUsers(ctx.db, first, args.after);
    return toConnection(rows, first, !!args.after, createdAtCursor, () => countUsers(ctx.db));
  },
  identityProviders: (_, __, ctx) => listIdentityProviders(ctx.social.settings),
  apps: async (_, args, ctx) => {
    const first = parseFirst(args.first);
    const rows = await listApps(ctx.db, first, args.after);
    return toConnection(rows, first, !!args.after, createdAtCursor, () => countApps(ctx.db));
  },
} satisfies QueryResolvers;
