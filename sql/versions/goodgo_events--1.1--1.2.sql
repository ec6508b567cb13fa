-- goodgo_events 1.1 -> 1.2: every change to sql/objects/ (and schemas/)
-- since 1.1.  test/suites/upgrade.sh checks that 1.0 updated through 1.1 with
-- these scripts equals a fresh install of 1.2, object by object.
\echo Use "ALTER EXTENSION goodgo_events UPDATE TO '1.2'" to load this file. \quit

-- [i12relay] relay_lag(relay, part): the age of the oldest unacknowledged committed event
-- (goodgo-relay's lag metric; issue 12, item 13).
-- How far behind a relay is: the age of the oldest committed event of (relay,
-- part) it has not acknowledged, 0 when there is none.  It grows while the
-- relay is stuck (Redis down, a poison batch), where the age of the last
-- published event would freeze.  Cheap at any backlog: it reads the first
-- unacknowledged row of the open window, the committed row with the lowest
-- txid after the window (index outbox_part_txid, LIMIT 1) and the rows of
-- the transactions the window's snapshot saw in progress; no count.  Ages
-- are from created_at (the inserting transaction's start).
CREATE FUNCTION goodgo_events.relay_lag(relay text, part integer) RETURNS interval
	LANGUAGE plpgsql VOLATILE STRICT PARALLEL SAFE AS $$
DECLARE
	p goodgo_events.relay_positions;
	cur pg_snapshot := pg_current_snapshot();
	s pg_snapshot;
	oldest timestamptz;
	t timestamptz;
BEGIN
	SELECT * INTO p FROM goodgo_events.relay_positions rp
	 WHERE rp.relay OPERATOR(pg_catalog.=) relay_lag.relay AND rp.part OPERATOR(pg_catalog.=) relay_lag.part;
	IF NOT FOUND THEN
		-- Never claimed: every committed event of the partition is pending.
		SELECT o.created_at INTO oldest FROM goodgo_events.outbox o
		 WHERE o.part OPERATOR(pg_catalog.=) relay_lag.part AND pg_catalog.pg_visible_in_snapshot(o.txid, cur)
		 ORDER BY o.txid LIMIT 1;
		RETURN coalesce(pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) oldest, interval '0');
	END IF;
	IF p.win_snap IS NOT NULL THEN
		-- The open window: its rows up to win_pos are acknowledged.
		SELECT o.created_at INTO oldest FROM goodgo_events.outbox o
		 WHERE o.seq OPERATOR(pg_catalog.=) p.win_seqs[p.win_pos + 1] LIMIT 1;
		s := p.win_snap;
	ELSE
		s := p.snap;
	END IF;
	SELECT o.created_at INTO t FROM goodgo_events.outbox o
	 WHERE o.part OPERATOR(pg_catalog.=) relay_lag.part
	   AND o.txid OPERATOR(pg_catalog.>=) pg_catalog.pg_snapshot_xmax(s)
	   AND pg_catalog.pg_visible_in_snapshot(o.txid, cur)
	 ORDER BY o.txid LIMIT 1;
	oldest := least(oldest, t);
	SELECT min(o.created_at) INTO t FROM goodgo_events.outbox o
	 WHERE o.part OPERATOR(pg_catalog.=) relay_lag.part
	   AND o.txid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT pg_catalog.pg_snapshot_xip(s)))
	   AND pg_catalog.pg_visible_in_snapshot(o.txid, cur)
	   AND NOT pg_catalog.pg_visible_in_snapshot(o.txid, p.snap);
	oldest := least(oldest, t);
	RETURN coalesce(pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) oldest, interval '0');
END $$;
COMMENT ON FUNCTION goodgo_events.relay_lag(text, integer) IS
	'age of the oldest committed event of (relay, part) not acknowledged yet, 0 when none (grows while the relay is stuck)';
ALTER FUNCTION goodgo_events.relay_lag(text, integer)
	SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
REVOKE EXECUTE ON FUNCTION goodgo_events.relay_lag(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION goodgo_events.relay_lag(text, integer) TO goodgo_events_relay;
