import type { Resolvers } from "../generated/resolvers-types.ts";
import { Delivery } from "./Delivery.ts";
import { Mutation } from "./Mutation.ts";
import { Notification } from "./Notification.ts";
import { Query } from "./Query.ts";
import { User } from "./User.ts";

/** The notifications subgraph's resolvers, one file per GraphQL type. */
export const resolvers = { Query, Mutation, User, Notification, Delivery } satisfies Resolvers;
