import type { Logger } from "@shopgraph/logger";
import type { Db } from "../db/client.ts";
import { findCategoriesByIds, listCategories, type CategoryRecord } from "../db/category-repository.ts";
import {
  deserializeProduct,
  findProductsByIds,
  serializeProduct,
  type ProductRecord,
} from "../db/product-repository.ts";
import { createCacheAside, type CacheAside } from "./cache-aside.ts";
import type { EntityCache } from "./entity-cache.ts";

/** The cached reads of the catalog: product and category entities and the categories list. */
export interface CatalogCaches {
  products: CacheAside<ProductRecord>;
  categories: CacheAside<CategoryRecord>;
  categoryList: CacheAside<{ id: string; list: CategoryRecord[] }>;
}

/** The single key of the categories list. */
export const CATEGORY_LIST_KEY = "all";

const serializeCategory = (c: CategoryRecord) => JSON.stringify(c);
const reviveCategory = (raw: CategoryRecord): CategoryRecord => ({ ...raw, createdAt: new Date(raw.createdAt) });

/**
 * Wires cache-aside over the catalog reads. Products are cached without their stock: what can be
 * ordered changes with every reservation, so it is read fresh per request (one batched statement)
 * instead of invalidating the entity on every checkout.
 */
export function createCatalogCaches(cache: EntityCache, db: Db, ttlSeconds: number, logger: Logger): CatalogCaches {
  return {
    products: createCacheAside({
      cache,
      namespace: "product",
      ttlSeconds,
      logger,
      fetch: (ids) => findProductsByIds(db, ids),
      idOf: (p) => p.id,
      serialize: serializeProduct,
      deserialize: deserializeProduct,
    }),
    categories: createCacheAside({
      cache,
      namespace: "category",
      ttlSeconds,
      logger,
      fetch: (ids) => findCategoriesByIds(db, ids),
      idOf: (c) => c.id,
      serialize: serializeCategory,
      deserialize: (text) => reviveCategory(JSON.parse(text) as CategoryRecord),
    }),
    categoryList: createCacheAside({
      cache,
      namespace: "categories",
      ttlSeconds,
      logger,
      fetch: async () => [{ id: CATEGORY_LIST_KEY, list: await listCategories(db) }],
      idOf: (entry) => entry.id,
      serialize: (entry) => JSON.stringify(entry.list),
      deserialize: (text) => ({
        id: CATEGORY_LIST_KEY,
        list: (JSON.parse(text) as CategoryRecord[]).map(reviveCategory),
      }),
    }),
  };
}
