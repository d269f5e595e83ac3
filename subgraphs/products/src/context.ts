import DataLoader from "dataloader";
import { createByIdLoader, type BaseSubgraphContext } from "@shopgraph/subgraph-kit";
import type { CatalogCaches } from "./cache/catalog-caches.ts";
import type { CategoryRecord } from "./db/category-repository.ts";
import type { Db } from "./db/client.ts";
import {
  countByCategory,
  listCategoryPages,
  type CategoryPageRequest,
  type ListedProduct,
} from "./db/product-listing.ts";
import { availabilityByIds, findProductsBySlugs, type ProductRecord } from "./db/product-repository.ts";

/** Long-lived dependencies shared by every request (the domain's deps). */
export interface ProductsServices {
  db: Db;
  caches: CatalogCaches;
  lowStockThreshold: number;
  reservationTtlSeconds: number;
}

/** Per-request loaders: every list that can fan out costs one statement per tick. */
export interface ProductsLoaders {
  /** Through the shared entity cache (the `_entities` hot path). */
  product: DataLoader<string, ProductRecord | null>;
  productBySlug: DataLoader<string, ProductRecord | null>;
  category: DataLoader<string, CategoryRecord | null>;
  /** Units that can be ordered now; never cached across requests (it moves with every checkout). */
  available: DataLoader<string, number>;
  categoryPage: DataLoader<CategoryPageRequest, ListedProduct[], string>;
  categoryCount: DataLoader<string, number>;
}

/** Per-request context of the products subgraph. */
export interface ProductsContext extends BaseSubgraphContext {
  services: ProductsServices;
  loaders: ProductsLoaders;
}

/** Builds the per-request context: fresh DataLoaders every request (no cross-user memoization). */
export function createProductsContext(base: BaseSubgraphContext, services: ProductsServices): ProductsContext {
  const { db, caches } = services;
  const loaders: ProductsLoaders = {
    product: new DataLoader((ids) => caches.products.loadMany(ids)),
    productBySlug: createByIdLoader(
      (slugs) => findProductsBySlugs(db, slugs),
      (p) => p.slug,
    ),
    category: new DataLoader((ids) => caches.categories.loadMany(ids)),
    available: new DataLoader(async (ids) => {
      const rows = new Map((await availabilityByIds(db, ids)).map((r) => [r.id, r.available]));
      return ids.map((id) => rows.get(id) ?? 0);
    }),
    categoryPage: new DataLoader((requests) => listCategoryPages(db, requests), {
      cacheKeyFn: (r) => `${r.categoryId}:${r.first}:${r.after ? `${r.after.key}:${r.after.id}` : ""}`,
    }),
    categoryCount: new DataLoader(async (ids) => {
      const counts = await countByCategory(db, ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
  };
  return { ...base, services, loaders };
}
