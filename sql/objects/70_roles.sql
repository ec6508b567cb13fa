-- Roles and privileges: who may produce events, who may relay them, who may
-- change the registry.  Runs last (after the outbox and the registry), so it
-- can name every object; doc/hardening-b.md is the reference.
--
--   goodgo_events_producer  emit() and INSERT of envelope/aggregate_id into
--                           the outbox; the trigger derives every other column.
--   goodgo_events_relay     the relay API (lock, claim, ack, nack, position,
--                           replay, reset, rotate) and outbox_stats; no event
--                           can be inserted and nothing of the registry changed.
--   goodgo_events_admin     the registry (60_registry.sql), plus dead-letter
--                           redrive, relay_forget and the relay tables' contents.
--
-- The relay functions write the relay's own tables (positions, batches,
-- failures, dead letters), which no role is granted directly: they run as
-- the extension owner (SECURITY DEFINER) with search_path pinned to
-- pg_catalog, pg_temp, and every name in their bodies is qualified.  The
-- ALTERs below rather than clauses in 50_outbox.sql keep one place that
-- says who runs what with which rights.
--
-- Roles belong to the cluster: created NOLOGIN when missing, kept by DROP
-- EXTENSION, found by a second database's CREATE EXTENSION.

DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'goodgo_events_producer') THEN
		CREATE ROLE goodgo_events_producer NOLOGIN;
		COMMENT ON ROLE goodgo_events_producer IS
			'goodgo_events: members may emit events (insert envelopes into the outbox), nothing else';
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'goodgo_events_relay') THEN
		CREATE ROLE goodgo_events_relay NOLOGIN;
		COMMENT ON ROLE goodgo_events_relay IS
			'goodgo_events: members may claim, publish and acknowledge outbox events through the relay API, nothing else';
	END IF;
END
$$;

-- Producers.  emit() is SECURITY INVOKER: it inserts with the caller's
-- rights, so EXECUTE (which PUBLIC keeps, as for the uuid functions) gives
-- nothing without the column privileges below.  Only the two columns a
-- producer chooses: seq, txid, part, event_id, event_type, stream,
-- schema_version and findings are the trigger's, gen and created_at the
-- defaults'.
GRANT USAGE ON SCHEMA goodgo_events TO goodgo_events_producer;
GRANT EXECUTE ON FUNCTION
	goodgo_events.emit(text, jsonb, text, text, text, timestamptz),
	goodgo_events.uuid_v7(),
	goodgo_events.uuid_v7(timestamptz),
	goodgo_events.uuid_v7_time(uuid),
	goodgo_events.uuid_v7_floor(timestamptz),
	goodgo_events.validate_payload(text, jsonb),
	goodgo_events.envelope_errors(jsonb)
	TO goodgo_events_producer;
GRANT INSERT (envelope, aggregate_id) ON goodgo_events.outbox TO goodgo_events_producer;

-- The relay API runs as the extension owner.
ALTER FUNCTION goodgo_events.relay_check_leader(text, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_reset(text, integer, text)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_forget(text)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_batch_rows(text, integer, bigint)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_claim(text, integer, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_ack(text, integer, bigint)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_ack_claim(text, integer, bigint, integer, bigint, bigint[])
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_peek(text, integer, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_nack(text, integer, bigint, bigint, text)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_position(text, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_lag(text, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_replay(text, integer, bigint)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.relay_replay(text, integer, timestamptz)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.redrive_dead_letter(bigint)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION goodgo_events.redrive_dead_letters(text)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- A function is executable by PUBLIC until revoked: every owner-rights
-- function of the relay and of retention is taken back, then given to the
-- role that needs it.  relay_lock/relay_unlock only take an advisory lock
-- (which pg_try_advisory_lock gives anyone anyway), but they are part of
-- the relay API and go with it.  The internal setters need the table's
-- owner anyway; revoking says so.
REVOKE EXECUTE ON FUNCTION
	goodgo_events.relay_lock(text, integer),
	goodgo_events.relay_unlock(text, integer),
	goodgo_events.relay_check_leader(text, integer),
	goodgo_events.relay_reset(text, integer, text),
	goodgo_events.relay_forget(text),
	goodgo_events.relay_batch_rows(text, integer, bigint),
	goodgo_events.relay_claim(text, integer, integer),
	goodgo_events.relay_ack(text, integer, bigint),
	goodgo_events.relay_ack_claim(text, integer, bigint, integer),
	goodgo_events.relay_ack_claim(text, integer, bigint, integer, bigint, bigint[]),
	goodgo_events.relay_peek(text, integer, integer),
	goodgo_events.relay_nack(text, integer, bigint, bigint, text),
	goodgo_events.relay_position(text, integer),
	goodgo_events.relay_lag(text, integer),
	goodgo_events.relay_replay(text, integer, bigint),
	goodgo_events.relay_replay(text, integer, timestamptz),
	-- internal steps of claim and ack: they skip the leadership check, so
	-- only the owner-rights API above calls them (relay_rows stays without
	-- SET clauses so the planner can inline it there)
	goodgo_events.relay_rows(text, integer, bigint, bigint[]),
	goodgo_events.relay_claim_batch(text, integer, integer),
	goodgo_events.relay_ack_batch(text, integer, bigint),
	goodgo_events.redrive_dead_letter(bigint),
	goodgo_events.redrive_dead_letters(text),
	goodgo_events.outbox_rotate(interval),
	goodgo_events.outbox_set_trigger(integer),
	goodgo_events.outbox_set_partitions(integer),
	goodgo_events.outbox_after_restore()
	FROM PUBLIC;

GRANT USAGE ON SCHEMA goodgo_events TO goodgo_events_relay;
GRANT EXECUTE ON FUNCTION
	goodgo_events.relay_lock(text, integer),
	goodgo_events.relay_unlock(text, integer),
	goodgo_events.relay_check_leader(text, integer),
	goodgo_events.relay_reset(text, integer, text),
	goodgo_events.relay_claim(text, integer, integer),
	goodgo_events.relay_ack(text, integer, bigint),
	goodgo_events.relay_ack_claim(text, integer, bigint, integer),
	goodgo_events.relay_ack_claim(text, integer, bigint, integer, bigint, bigint[]),
	goodgo_events.relay_peek(text, integer, integer),
	goodgo_events.relay_nack(text, integer, bigint, bigint, text),
	goodgo_events.relay_position(text, integer),
	goodgo_events.relay_lag(text, integer),
	goodgo_events.relay_replay(text, integer, bigint),
	goodgo_events.relay_replay(text, integer, timestamptz),
	goodgo_events.outbox_rotate(interval)
	TO goodgo_events_relay;
-- outbox_partitions() (the relay asks it how many partitions to serve)
-- reads outbox_config with the caller's rights.
GRANT SELECT ON goodgo_events.outbox_stats, goodgo_events.outbox_config TO goodgo_events_relay;

-- Operators (the registry's admins) redrive dead letters, forget relays
-- that are gone, rotate, and read the relay state.
GRANT EXECUTE ON FUNCTION
	goodgo_events.redrive_dead_letter(bigint),
	goodgo_events.redrive_dead_letters(text),
	goodgo_events.relay_forget(text),
	goodgo_events.outbox_rotate(interval)
	TO goodgo_events_admin;
GRANT SELECT ON goodgo_events.outbox_stats, goodgo_events.outbox_config, goodgo_events.dead_letters,
	goodgo_events.relay_positions, goodgo_events.relay_batches, goodgo_events.relay_failures
	TO goodgo_events_admin;
