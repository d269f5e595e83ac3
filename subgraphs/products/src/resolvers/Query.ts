import { badUserInput } from "@shopgraph/errors";
import { isUuid, selectsField, toConnection } from "@shopgraph/subgraph-kit";
import { CATEGORY_LIST_KEY } from "../cache/catalog-caches.ts";
import type { ProductsContext } from "../context.ts";
import { findCategoryBySlug } from "../db/category-repository.ts";
import { countProducts, listProducts } from "../db/product-listing.ts";
import { productCursor } from "../domain/product-cursor.ts";
import { parseProductsArgs } from "../domain/product-query.ts";
import type { QueryResolvers } from "../generated/resolvers-types.ts";

const allCategories = async (ctx: ProductsContext) =>
  (await ctx.services.caches.categoryList.loadMany([CATEGORY_LIST_KEY]))[0]?.list ?? [];

export const Query = {
  // Archived products still resolve by id (order history links to them), not by slug (storefront URLs).
  product: async (_, args, ctx) => {
    const hasId = args.id !== null && args.id !== undefined;
    const hasSlug = args.slug !== null && args.slug !== undefined;
    if (hasId === hasSlug) throw badUserInput("Pass exactly one of `id` or `slug`", hasId ? ["slug"] : ["id"]);
    if (hasId) return isUuid(args.id!) ? ctx.loaders.product.load(args.id!.toLowerCase()) : null;
    const product = await ctx.loaders.productBySlug.load(args.slug!);
    return product && !product.archivedAt ? product : null;
  },
  // The page and, when selected, totalCount run side by side (two pooled connections): a search's
  // latency is the slower of the two statements, not their sum.
  products: async (_, args, ctx, info) => {
    const { spec, scope } = parseProductsArgs(args);
    const count = selectsField(info, "totalCount") ? countProducts(ctx.services.db, spec.filter) : undefined;
    const [rows, total] = await Promise.all([listProducts(ctx.services.db, spec), count]);
    const countOf =
      total === undefined ? () => countProducts(ctx.services.db, spec.filter) : () => Promise.resolve(total);
    return toConnection(rows, spec.first, spec.after !== null, (row) => productCursor(row, scope), countOf);
  },
  categories: (_, __, ctx) => allCategories(ctx),
  // The cached list answers the storefront's category pages; a slug it lacks (a category added
  // behind the service's back, or no such category) is looked up in the database.
  category: async (_, args, ctx) =>
    (await allCategories(ctx)).find((c) => c.slug === args.slug) ?? findCategoryBySlug(ctx.services.db, args.slug),
} satisfies QueryResolvers;
