import { parseFirst, toConnection, createdAtCursor, isUuid } from "@shopgraph/subgraph-kit";
import type { UsersContext } from "../context.ts";
import { countUsers, listUsers } from "../db/user-repository.ts";

export const Query = {
  me: (_: unknown, __: unknown, ctx: UsersContext) => (ctx.viewer ? ctx.loaders.user.load(ctx.viewer.id) : null),
  user: (_: unknown, args: { id: string }, ctx: UsersContext) => (isUuid(args.id) ? ctx.loaders.user.load(args.id) : null),
  users: async (_: unknown, args: { first?: number | null; after?: string | null }, ctx: UsersContext) => {
    const first = parseFirst(args.first);
    const rows = await listUsers(ctx.db, first, args.after);
    return toConnection(rows, first, !!args.after, createdAtCursor, () => countUsers(ctx.db));
  },
};
