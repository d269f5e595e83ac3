import { isUuid, toMoney } from "@shopgraph/subgraph-kit";
import type { ProductResolvers } from "../generated/resolvers-types.ts";

export const Product = {
  // Batched and cached: the gateway's _entities call for N products costs one cache round trip
  // plus at most one query for the misses.
  __resolveReference: (ref, ctx) => (isUuid(ref.id) ? ctx.loaders.product.load(ref.id.toLowerCase()) : null),
  price: (product) => toMoney(product.priceMinor, product.currencyCode),
  category: (product, _, ctx) => (product.categoryId ? ctx.loaders.category.load(product.categoryId) : null),
  quantityAvailable: (product, _, ctx) => ctx.loaders.available.load(product.id),
  inStock: async (product, _, ctx) => (await ctx.loaders.available.load(product.id)) > 0,
  archived: (product) => product.archivedAt !== null,
} satisfies ProductResolvers;
