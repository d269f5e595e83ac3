-- The send of a delivery continues the trace of the event that queued it (one placeOrder, one trace).
ALTER TABLE "Delivery" ADD COLUMN "traceparent" TEXT;
