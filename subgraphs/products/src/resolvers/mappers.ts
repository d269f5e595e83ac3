// What each GraphQL object type's resolvers receive as their parent. schema/codegen.ts maps the
// type X to `XMapper` here (`pnpm codegen`); types not listed are plain data of their GraphQL shape.
import type { Connection } from "@shopgraph/subgraph-kit";
import type { CategoryRecord } from "../db/category-repository.ts";
import type { ProductRecord } from "../db/product-repository.ts";

/** A product row: price in minor units, archivedAt, categoryId (Product's resolvers derive the rest). */
export type ProductMapper = ProductRecord;
/** A category row (also what the cached category list holds). */
export type CategoryMapper = CategoryRecord;
/** Connections count lazily (`totalCount` runs only when selected); listings add a rank. */
export type ProductConnectionMapper = Connection<ProductRecord>;
