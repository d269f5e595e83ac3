import { allow } from "graphql-shield";
import { isAdmin, isService } from "@shopgraph/auth";

/**
 * Field-level authorization; anything not listed is denied. The catalog is public, writes are
 * ADMIN only, and the stock reservation calls belong to the checkout service alone (they are
 * @inaccessible at the gateway too; the service credential is what actually guards them).
 */
export const permissions = {
  Query: { product: allow, products: allow, categories: allow, category: allow },
  Mutation: {
    createCategory: isAdmin,
    createProduct: isAdmin,
    updateProduct: isAdmin,
    archiveProduct: isAdmin,
    adjustInventory: isAdmin,
    reserveStock: isService,
    commitStock: isService,
    releaseStock: isService,
  },
  // Entity fetches bypass Query rules and land here: every Product and Category field is public.
  Product: allow,
  Category: allow,
  ProductConnection: allow,
  ProductEdge: allow,
  ProductPayload: allow,
  CategoryPayload: allow,
  StockReservationPayload: isService,
};
