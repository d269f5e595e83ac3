import type { Logger } from "@shopgraph/logger";
import type { Db } from "./db/client.ts";

/** Inserts the fixtures' 14 categories and 1,260 products into an empty database (development and e2e). */
export async function seedProductsDatabase(db: Db, logger: Logger): Promise<void> {
  if ((await db.product.count()) > 0) return;
  // Loaded only now: the fixtures are built when imported (~0.1 CPU s and their memory for the
  // process's lifetime), which a warm start, whose database is already seeded, never needs.
  const { seedCategories, seedProducts } = await import("@shopgraph/fixtures");
  await db.$transaction(
    async (tx) => {
      await tx.category.createMany({
        data: seedCategories.map((c) => ({ id: c.id, slug: c.slug, name: c.name, createdAt: c.createdAt })),
        skipDuplicates: true,
      });
      await tx.product.createMany({
        data: seedProducts.map((p) => ({
          id: p.id,
          slug: p.slug,
          title: p.title,
          description: p.description,
          priceMinor: p.priceMinor,
          currencyCode: p.currencyCode,
          categoryId: p.categoryId,
          stock: p.stock,
          createdAt: p.createdAt,
          updatedAt: p.createdAt,
          // Archived a day after creation: archived fixtures exist so past orders can reference them.
          archivedAt: p.archived ? new Date(p.createdAt.getTime() + 86_400_000) : null,
        })),
        skipDuplicates: true,
      });
      // Seeding is one bulk transaction; on the embedded database under load it outlasts Prisma's 5 s default.
    },
    { timeout: 60_000, maxWait: 60_000 },
  );
  logger.info({ categories: seedCategories.length, products: seedProducts.length }, "seeded catalog");
}
