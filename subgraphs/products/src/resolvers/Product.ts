import { isUuid, toMoney } from "@shopgraph/subgraph-kit";
import type { ProductsContext } from "../context.ts";
import type { ProductRecord } from "../db/product-repository.ts";

export const Product = {
  // Batched and cached: the gateway's _entities call for N products costs one cache round trip
  // plus at most one query for the misses.
  __resolveReference: (ref: { id: string }, ctx: ProductsContext) => (isUuid(ref.id) ? ctx.loaders.product.load(ref.id.toLowerCase()) : null),
  price: (product: ProductRecord) => toMoney(product.priceMinor, product.currencyCode),
  category: (product: ProductRecord, _: unknown, ctx: ProductsContext) => (product.categoryId ? ctx.loaders.category.load(product.categoryId) : null),
  quantityAvailable: (product: ProductRecord, _: unknown, ctx: ProductsContext) => ctx.loaders.available.load(product.id),
  inStock: async (product: ProductRecord, _: unknown, ctx: ProductsContext) => (await ctx.loaders.available.load(product.id)) > 0,
  archived: (product: ProductRecord) => product.archivedAt !== null,
};
