import type { Db } from "./client.ts";
import { nullIfTaken } from "./unique.ts";

/** A category as resolvers and the cache see it. */
export interface CategoryRecord {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
}

const COLUMNS = { id: true, slug: true, name: true, createdAt: true } as const;

/** Categories by id, in one query (DataLoader batches). */
export function findCategoriesByIds(db: Db, ids: readonly string[]): Promise<CategoryRecord[]> {
  return db.category.findMany({ where: { id: { in: [...ids] } }, select: COLUMNS });
}

/** Every category, alphabetical (the storefront's navigation). */
export function listCategories(db: Db): Promise<CategoryRecord[]> {
  return db.category.findMany({ orderBy: [{ name: "asc" }, { id: "asc" }], select: COLUMNS });
}

/** A category by slug. */
export function findCategoryBySlug(db: Db, slug: string): Promise<CategoryRecord | null> {
  return db.category.findUnique({ where: { slug }, select: COLUMNS });
}

/** True when a category with this id exists. */
export async function categoryExists(db: Db, id: string): Promise<boolean> {
  return (await db.category.count({ where: { id } })) > 0;
}

/** Inserts a category; null when the slug is taken (the unique constraint decides, race-free). */
export function insertCategory(db: Db, data: { slug: string; name: string }): Promise<CategoryRecord | null> {
  return nullIfTaken(db.category.create({ data, select: COLUMNS }));
}
