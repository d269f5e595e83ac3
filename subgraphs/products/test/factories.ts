import { randomUUID } from "node:crypto";
import type { Db } from "../src/db/client.ts";

let counter = 0;

/** Inserts a category straight into the database (tests set up state without going through admin). */
export async function insertCategory(db: Db, name = `Test Category ${++counter}`) {
  const slug = `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${randomUUID().slice(0, 6)}`;
  return db.category.create({ data: { name, slug } });
}

/** Overridable columns of a test product. */
export interface ProductDraft {
  title?: string;
  description?: string;
  priceMinor?: bigint;
  stock?: number;
  categoryId?: string | null;
  createdAt?: Date;
  archivedAt?: Date | null;
}

/** Inserts products (one statement) and returns them in insertion order. */
export async function insertProducts(db: Db, drafts: readonly ProductDraft[]) {
  const rows = drafts.map((d) => {
    const n = ++counter;
    return {
      id: randomUUID(),
      slug: `test-product-${n}-${randomUUID().slice(0, 8)}`,
      title: d.title ?? `Test Product ${n}`,
      description: d.description ?? "A plain test product.",
      priceMinor: d.priceMinor ?? 1999n,
      stock: d.stock ?? 10,
      categoryId: d.categoryId ?? null,
      createdAt: d.createdAt ?? new Date(),
      archivedAt: d.archivedAt ?? null,
    };
  });
  await db.product.createMany({ data: rows });
  return rows;
}
