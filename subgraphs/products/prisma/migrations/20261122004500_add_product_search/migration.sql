-- AlterTable
-- Full-text search document for `products(query:)`: title weighs A, description B, so ts_rank puts
-- title matches first. A STORED generated column is maintained by PostgreSQL on every write (no
-- trigger, no application code to forget); Prisma's schema language cannot express GENERATED, so
-- this statement is hand-written and the model declares the column as Unsupported("tsvector").
ALTER TABLE "Product" ADD COLUMN "searchVector" tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, coalesce("title", '')), 'A') ||
    setweight(to_tsvector('english'::regconfig, coalesce("description", '')), 'B')
) STORED;

-- CreateIndex
CREATE INDEX "Product_searchVector_idx" ON "Product" USING GIN ("searchVector");
