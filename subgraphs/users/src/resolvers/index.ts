import type { Resolvers } from "../generated/resolvers-types.ts";
import { App } from "./App.ts";
import { Mutation } from "./Mutation.ts";
import { Query } from "./Query.ts";
import { User } from "./User.ts";

/** The users subgraph's resolvers, one file per GraphQL type. */
export const resolvers = { Query, Mutation, User, App } satisfies Resolvers;
