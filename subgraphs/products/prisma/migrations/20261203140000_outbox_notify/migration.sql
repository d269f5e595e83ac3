-- Wakes the outbox relays on commit (@shopgraph/events, outbox-listener.ts): a notification raised
-- inside the inserting transaction reaches the listeners when it commits, never when it rolls back.
-- One per statement, whichever code path inserts (PostgreSQL folds identical ones within a
-- transaction). The relays still poll, so a notification nobody heard delays an event, never loses it.
CREATE FUNCTION "outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('shopgraph_outbox', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER "OutboxEvent_notify" AFTER INSERT ON "OutboxEvent" FOR EACH STATEMENT EXECUTE FUNCTION "outbox_notify"();
