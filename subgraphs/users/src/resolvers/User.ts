import { isUuid } from "@shopgraph/subgraph-kit";
import type { UsersContext } from "../context.ts";

export const User = {
  // Batched: the gateway's _entities call for N users costs one query.
  __resolveReference: (ref: { id: string }, ctx: UsersContext) => (isUuid(ref.id) ? ctx.loaders.user.load(ref.id) : null),
};
