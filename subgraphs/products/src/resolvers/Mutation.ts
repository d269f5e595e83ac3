import { toPayload } from "@shopgraph/errors";
import { archiveProduct, createCategory, createProduct, updateProduct } from "../domain/catalog.ts";
import { adjustInventory } from "../domain/inventory.ts";
import { commitStock, releaseStock, reserveStock } from "../domain/reservations.ts";
import type { MutationResolvers } from "../generated/resolvers-types.ts";

/** StockReservationPayload: ok, or the userErrors explaining why not. */
async function stockPayload(run: () => Promise<void>) {
  const result = await toPayload("ok", async () => (await run(), true));
  return { ok: result.ok ?? false, userErrors: result.userErrors };
}

export const Mutation = {
  createCategory: (_, args, ctx) => toPayload("category", () => createCategory(ctx.services, args.input)),
  createProduct: (_, args, ctx) => toPayload("product", () => createProduct(ctx.services, args.input)),
  updateProduct: (_, args, ctx) => toPayload("product", () => updateProduct(ctx.services, args.id, args.input)),
  archiveProduct: (_, args, ctx) => toPayload("product", () => archiveProduct(ctx.services, args.id)),
  adjustInventory: (_, args, ctx) =>
    toPayload("product", async () => {
      await adjustInventory(ctx.services, args.productId, args.delta);
      return ctx.loaders.product.load(args.productId.toLowerCase());
    }),
  reserveStock: (_, args, ctx) => stockPayload(() => reserveStock(ctx.services, args.orderId, args.lines)),
  commitStock: (_, args, ctx) => stockPayload(() => commitStock(ctx.services, args.orderId)),
  releaseStock: (_, args, ctx) => stockPayload(() => releaseStock(ctx.services, args.orderId)),
} satisfies MutationResolvers;
