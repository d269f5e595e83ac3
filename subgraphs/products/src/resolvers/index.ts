import type { Resolvers } from "../generated/resolvers-types.ts";
import { Category } from "./Category.ts";
import { Mutation } from "./Mutation.ts";
import { Product } from "./Product.ts";
import { Query } from "./Query.ts";

/** The products subgraph's resolvers, one file per GraphQL type. */
export const resolvers = { Query, Mutation, Product, Category } satisfies Resolvers;
