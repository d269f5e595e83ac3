import { isUuid } from "@shopgraph/subgraph-kit";
import type { UserResolvers } from "../generated/resolvers-types.ts";

export const User = {
  // Batched: the gateway's _entities call for N users costs one query.
  __resolveReference: (ref, ctx) => (isUuid(ref.id) ? ctx.loaders.user.load(ref.id) : null),
} satisfies UserResolvers;
