import { DomainError, userError } from "@shopgraph/errors";
import { isUuid, type CurrencyCode } from "@shopgraph/subgraph-kit";
import type { CatalogCaches } from "../cache/catalog-caches.ts";
import { CATEGORY_LIST_KEY } from "../cache/catalog-caches.ts";
import type { Db } from "../db/client.ts";
import { categoryExists, insertCategory, type CategoryRecord } from "../db/category-repository.ts";
import {
  archiveProductRow,
  insertProduct,
  updateProductRow,
  type ProductChanges,
  type ProductRecord,
} from "../db/product-repository.ts";
import {
  checkCategoryName,
  checkDescription,
  checkInitialStock,
  checkPrice,
  checkTitle,
  errorsOf,
  resolveSlug,
  suffixSlug,
} from "./catalog-rules.ts";

/** What catalog writes need: the database and the caches they invalidate. */
export interface CatalogDeps {
  db: Db;
  caches: CatalogCaches;
}

/** Input of createProduct (contract defaults already applied by GraphQL). */
export interface CreateProductInput {
  title: string;
  slug?: string | null;
  description: string;
  price: string;
  currencyCode?: CurrencyCode | null;
  categoryId?: string | null;
  initialStock?: number | null;
}

/** Input of updateProduct: absent fields stay; `categoryId: null` removes the category. */
export interface UpdateProductInput {
  title?: string | null;
  description?: string | null;
  price?: string | null;
  categoryId?: string | null;
}

const slugTaken = () => new DomainError(userError("SLUG_TAKEN", "This slug is already in use", ["input", "slug"]));
const productNotFound = (field = ["id"]) => new DomainError(userError("PRODUCT_NOT_FOUND", "Product not found", field));

async function requireCategory(db: Db, categoryId: string): Promise<void> {
  if (!isUuid(categoryId) || !(await categoryExists(db, categoryId))) {
    throw new DomainError(userError("CATEGORY_NOT_FOUND", "Category not found", ["input", "categoryId"]));
  }
}

/**
 * Inserts with the given slug; a derived slug that collides gets one random suffix (admins who
 * typed no slug should not have to invent one), an explicit one is SLUG_TAKEN.
 */
async function insertWithSlug<T>(
  slug: { slug: string; derived: boolean },
  insert: (slug: string) => Promise<T | null>,
): Promise<T> {
  for (const candidate of slug.derived ? [slug.slug, suffixSlug(slug.slug)] : [slug.slug]) {
    // null: the slug is taken (the repository translated the unique violation).
    const inserted = await insert(candidate);
    if (inserted !== null) return inserted;
  }
  throw slugTaken();
}

/** ADMIN: creates a category and drops the cached categories list. */
export async function createCategory(
  deps: CatalogDeps,
  input: { name: string; slug?: string | null },
): Promise<CategoryRecord> {
  const name = checkCategoryName(input.name, ["input", "name"]);
  const slug = resolveSlug(input.slug, input.name, ["input", "slug"]);
  if (!name.ok || !slug.ok) throw new DomainError(...errorsOf(name, slug));
  const category = await insertWithSlug(slug.value, (s) => insertCategory(deps.db, { slug: s, name: name.value }));
  await deps.caches.categoryList.invalidate([CATEGORY_LIST_KEY]);
  return category;
}

/** ADMIN: creates a product; every invalid field is reported at once. */
export async function createProduct(deps: CatalogDeps, input: CreateProductInput): Promise<ProductRecord> {
  const title = checkTitle(input.title, ["input", "title"]);
  const description = checkDescription(input.description, ["input", "description"]);
  const price = checkPrice(input.price, ["input", "price"]);
  const stock = checkInitialStock(input.initialStock ?? 0, ["input", "initialStock"]);
  const slug = resolveSlug(input.slug, input.title, ["input", "slug"]);
  if (!title.ok || !description.ok || !price.ok || !stock.ok || !slug.ok)
    throw new DomainError(...errorsOf(title, description, price, stock, slug));
  const categoryId = input.categoryId ?? null;
  if (categoryId !== null) await requireCategory(deps.db, categoryId);
  // New ids have no cache entry (misses are never cached), so there is nothing to invalidate.
  return insertWithSlug(slug.value, (s) =>
    insertProduct(deps.db, {
      slug: s,
      title: title.value,
      description: description.value,
      priceMinor: price.value,
      currencyCode: input.currencyCode ?? "USD",
      categoryId,
      stock: stock.value,
    }),
  );
}

/** ADMIN: changes catalog fields (the slug stays: links keep working); the cached entity is dropped. */
export async function updateProduct(
  deps: CatalogDeps,
  rawId: string,
  input: UpdateProductInput,
): Promise<ProductRecord> {
  if (!isUuid(rawId)) throw productNotFound();
  // Cache keys use the canonical (lowercase) form, as PostgreSQL returns it.
  const id = rawId.toLowerCase();
  const given = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined;
  const title = given(input.title) ? checkTitle(input.title, ["input", "title"]) : undefined;
  const description = given(input.description)
    ? checkDescription(input.description, ["input", "description"])
    : undefined;
  const price = given(input.price) ? checkPrice(input.price, ["input", "price"]) : undefined;
  const errors = errorsOf(...[title, description, price].filter((c) => c !== undefined));
  if (errors.length > 0) throw new DomainError(...errors);
  if (given(input.categoryId)) await requireCategory(deps.db, input.categoryId);
  const data: ProductChanges = {
    ...(title?.ok ? { title: title.value } : {}),
    ...(description?.ok ? { description: description.value } : {}),
    ...(price?.ok ? { priceMinor: price.value } : {}),
    ...(input.categoryId !== undefined ? { categoryId: input.categoryId } : {}),
  };
  const product = await updateProductRow(deps.db, id, data);
  if (!product) throw productNotFound();
  await deps.caches.products.invalidate([id]);
  return product;
}

/** ADMIN: archives (idempotent). The product leaves listings and search but still resolves by id. */
export async function archiveProduct(deps: CatalogDeps, rawId: string): Promise<ProductRecord> {
  const id = rawId.toLowerCase();
  const product = isUuid(id) ? await archiveProductRow(deps.db, id) : null;
  if (!product) throw productNotFound();
  await deps.caches.products.invalidate([id]);
  return product;
}
