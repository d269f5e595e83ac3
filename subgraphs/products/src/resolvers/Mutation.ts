import { toPayload } from "@shopgraph/errors";
import type { ProductsContext } from "../context.ts";
import { archiveProduct, createCategory, createProduct, updateProduct, type CreateProductInput, type UpdateProductInput } from "../domain/catalog.ts";
import { adjustInventory } from "../domain/inventory.ts";
import { commitStock, releaseStock, reserveStock, type StockLine } from "../domain/reservations.ts";

/** StockReservationPayload: ok, or the userErrors explaining why not. */
async function stockPayload(run: () => Promise<void>) {
  const result = await toPayload("ok", async () => (await run(), true));
  return { ok: result.ok ?? false, userErrors: result.userErrors };
}

export const Mutation = {
  createCategory: (_: unknown, args: { input: { name: string; slug?: string | null } }, ctx: ProductsContext) =>
    toPayload("category", () => createCategory(ctx.services, args.input)),
  createProduct: (_: unknown, args: { input: CreateProductInput }, ctx: ProductsContext) => toPayload("product", () => createProduct(ctx.services, args.input)),
  updateProduct: (_: unknown, args: { id: string; input: UpdateProductInput }, ctx: ProductsContext) =>
    toPayload("product", () => updateProduct(ctx.services, args.id, args.input)),
  archiveProduct: (_: unknown, args: { id: string }, ctx: ProductsContext) => toPayload("product", () => archiveProduct(ctx.services, args.id)),
  adjustInventory: (_: unknown, args: { productId: string; delta: number }, ctx: ProductsContext) =>
    toPayload("product", async () => {
      await adjustInventory(ctx.services, args.productId, args.delta);
      return ctx.loaders.product.load(args.productId.toLowerCase());
    }),
  reserveStock: (_: unknown, args: { orderId: string; lines: StockLine[] }, ctx: ProductsContext) => stockPayload(() => reserveStock(ctx.services, args.orderId, args.lines)),
  commitStock: (_: unknown, args: { orderId: string }, ctx: ProductsContext) => stockPayload(() => commitStock(ctx.services, args.orderId)),
  releaseStock: (_: unknown, args: { orderId: string }, ctx: ProductsContext) => stockPayload(() => releaseStock(ctx.services, args.orderId)),
};
