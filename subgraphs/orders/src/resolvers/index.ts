import type { Resolvers } from "../generated/resolvers-types.ts";
import { Mutation } from "./Mutation.ts";
import { Order } from "./Order.ts";
import { OrderItem } from "./OrderItem.ts";
import { Payment } from "./Payment.ts";
import { Query } from "./Query.ts";
import { User } from "./User.ts";

/** The orders subgraph's resolvers, one file per GraphQL type. */
export const resolvers = { Query, Mutation, User, Order, OrderItem, Payment } satisfies Resolvers;
