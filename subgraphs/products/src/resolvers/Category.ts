import { isUuid, parseFirst, toConnection } from "@shopgraph/subgraph-kit";
import { decodeProductCursor, productCursor, type CursorScope } from "../domain/product-cursor.ts";
import type { CategoryResolvers } from "../generated/resolvers-types.ts";

// Category pages use the catalog's default order, so their cursors are interchangeable with it.
const SCOPE: CursorScope = { sortKey: "CREATED_AT", reverse: false };

export const Category = {
  __resolveReference: (ref, ctx) => (isUuid(ref.id) ? ctx.loaders.category.load(ref.id.toLowerCase()) : null),
  // Batched across categories: `categories { products }` is one statement, not one per category.
  products: async (category, args, ctx) => {
    const first = parseFirst(args.first);
    const after = args.after ? decodeProductCursor(args.after, SCOPE) : null;
    const rows = await ctx.loaders.categoryPage.load({ categoryId: category.id, first, after });
    return toConnection(
      rows,
      first,
      after !== null,
      (row) => productCursor(row, SCOPE),
      () => ctx.loaders.categoryCount.load(category.id),
    );
  },
} satisfies CategoryResolvers;
