-- A first reservation in ONE call, so no pooled connection waits on a product lock inside an
-- interactive transaction (db/reservation-repository.ts, reserveIfFree): called outside a transaction,
-- the function is its own, and the product locks are held only while it runs in the server. 200
-- concurrent checkouts of one product then queue a few milliseconds each instead of holding the
-- pool through client round trips (Prisma's maxWait turned that queue into SERVICE_UNAVAILABLE).
-- Locks the products in id order (as every stock path does: no deadlock), then, in later statements
-- (READ COMMITTED: a VOLATILE function takes a fresh snapshot per statement, so it sees every
-- reservation committed before the locks were granted), inserts every line ACTIVE until
-- now + ttl_seconds only if the order has no reservation yet and every line is available, and
-- records inventory.low_stock for each product whose availability crossed low_stock_threshold
-- downwards (the rule of domain/low-stock.ts, lowStockEvents), in the same transaction (outbox),
-- stamped with the caller's traceparent as @shopgraph/events' outbox extension stamps Prisma's writes.
-- Returns one row per existing requested product (one row of nulls but the first two when none exists): the order's reservation lines before the call,
-- whether it inserted, and each product's availability as it stands after the call.
-- Availability is stock minus ACTIVE unexpired reservations (db/product-repository.ts, RESERVED_SQL).
CREATE FUNCTION "reserve_stock_if_free"(
  order_id uuid, product_ids uuid[], quantities integer[], ttl_seconds double precision,
  low_stock_threshold integer, low_stock_type text, trace_parent text
) RETURNS TABLE (
  "existing" integer, "inserted" boolean, "id" uuid, "title" text, "stock" integer, "archived" boolean, "available" integer
) LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  existing_lines integer;
  did_insert boolean := false;
  crossed record;
BEGIN
  PERFORM 1 FROM "Product" p WHERE p."id" = ANY(product_ids) ORDER BY p."id" FOR UPDATE;
  SELECT count(*)::int INTO existing_lines FROM "StockReservation" r WHERE r."orderId" = order_id;
  IF existing_lines = 0 AND NOT EXISTS (
    SELECT 1 FROM unnest(product_ids, quantities) AS w("productId", "quantity")
    LEFT JOIN "Product" p ON p."id" = w."productId"
    WHERE p."id" IS NULL OR p."archivedAt" IS NOT NULL OR p."stock" - COALESCE((SELECT SUM(r."quantity") FROM "StockReservation" r
      WHERE r."productId" = p."id" AND r."status" = 'ACTIVE' AND r."expiresAt" > now()), 0) < w."quantity"
  ) THEN
    INSERT INTO "StockReservation" ("id", "orderId", "productId", "quantity", "status", "expiresAt", "updatedAt")
    SELECT gen_random_uuid(), order_id, w."productId", w."quantity", 'ACTIVE', now() + make_interval(secs => ttl_seconds), now()
    FROM unnest(product_ids, quantities) AS w("productId", "quantity");
    did_insert := true;
    -- Row by row and only when a product crossed: an empty INSERT would still wake the outbox relays.
    FOR crossed IN
      SELECT p."id", p."title", a."after", w."quantity"
      FROM unnest(product_ids, quantities) AS w("productId", "quantity")
      JOIN "Product" p ON p."id" = w."productId"
      CROSS JOIN LATERAL (SELECT (p."stock" - COALESCE((SELECT SUM(r."quantity") FROM "StockReservation" r
        WHERE r."productId" = p."id" AND r."status" = 'ACTIVE' AND r."expiresAt" > now()), 0))::int AS "after") a
      WHERE a."after" + w."quantity" > low_stock_threshold AND a."after" <= low_stock_threshold
    LOOP
      INSERT INTO "OutboxEvent" ("id", "type", "traceparent", "payload")
      VALUES (gen_random_uuid(), low_stock_type, trace_parent,
        jsonb_build_object('productId', crossed."id", 'title', crossed."title", 'quantityAvailable', GREATEST(crossed."after", 0)));
    END LOOP;
  END IF;
  RETURN QUERY
    SELECT existing_lines, did_insert, p."id", p."title", p."stock", p."archivedAt" IS NOT NULL,
      (p."stock" - COALESCE((SELECT SUM(r."quantity") FROM "StockReservation" r
        WHERE r."productId" = p."id" AND r."status" = 'ACTIVE' AND r."expiresAt" > now()), 0))::int
    FROM (SELECT 1) AS one LEFT JOIN "Product" p ON p."id" = ANY(product_ids) ORDER BY p."id";
END;
$$;
