-- commitStock in ONE call (db/reservation-repository.ts, commitIfActive), like reserve_stock_if_free:
-- called outside a transaction, the function is its own, and the locks are held only while it runs
-- in the server, instead of across five client round trips (BEGIN, two lock reads, the move, COMMIT).
-- Locks the order's products in id order (as every stock path does: no deadlock), then its
-- reservation rows (the expiry sweep waits), and, in later statements (READ COMMITTED: a VOLATILE
-- function takes a fresh snapshot per statement), commits only when the domain would
-- (domain/reservations.ts, commitStock): the order has lines, not all COMMITTED, none expired unless
-- COMMITTED, none RELEASED. Then every line becomes COMMITTED and its units leave the product's stock.
-- Returns the lines as read under the locks (before the move) and whether it committed; the caller
-- turns a refusal into its error from those lines.
CREATE FUNCTION "commit_stock_if_active"(order_id uuid) RETURNS TABLE (
  "productId" uuid, "quantity" integer, "status" "ReservationStatus", "expired" boolean, "committed" boolean
) LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  lines jsonb;
  can_commit boolean;
BEGIN
  PERFORM 1 FROM "Product" p
    WHERE p."id" IN (SELECT r."productId" FROM "StockReservation" r WHERE r."orderId" = order_id)
    ORDER BY p."id" FOR UPDATE OF p;
  PERFORM 1 FROM "StockReservation" r WHERE r."orderId" = order_id ORDER BY r."productId" FOR UPDATE;
  SELECT jsonb_agg(jsonb_build_object('productId', r."productId", 'quantity', r."quantity", 'status', r."status",
      'expired', r."expiresAt" <= now()) ORDER BY r."productId"),
    count(*) > 0
      AND bool_or(r."status" <> 'COMMITTED')
      AND NOT bool_or(r."expiresAt" <= now() AND r."status" <> 'COMMITTED')
      AND NOT bool_or(r."status" = 'RELEASED')
  INTO lines, can_commit
  FROM "StockReservation" r WHERE r."orderId" = order_id;
  IF can_commit THEN
    UPDATE "StockReservation" r SET "status" = 'COMMITTED', "updatedAt" = now() WHERE r."orderId" = order_id;
    UPDATE "Product" p SET "stock" = p."stock" - l."quantity"
      FROM jsonb_to_recordset(lines) AS l("productId" uuid, "quantity" integer)
      WHERE p."id" = l."productId";
  END IF;
  RETURN QUERY
    SELECT l."productId", l."quantity", l."status", l."expired", can_commit
    FROM jsonb_to_recordset(COALESCE(lines, '[]'::jsonb))
      AS l("productId" uuid, "quantity" integer, "status" "ReservationStatus", "expired" boolean);
END;
$$;
