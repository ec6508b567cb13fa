/*
 * pg.c
 *		The PostgreSQL side of goodgo-relay: the relay SQL API, nothing else.
 *
 * One session holds the advisory locks of every partition this relay leads
 * (relay_lock is session-level), so a lost connection means lost
 * leadership: the caller reconnects and locks again, and a standby relay
 * may have taken the partition over meanwhile.  A claim, ack or nack that
 * raises 55P03 (lock_not_available) also means the partition is no longer
 * ours; PgLostLock() reports it.
 *
 * Network stalls are bounded by TCP keepalives and tcp_user_timeout on
 * the connection: libpq has no per-call read timeout.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "relay.h"

static bool lost_lock = false;

bool
PgLostLock(void)
{
	bool		r = lost_lock;

	lost_lock = false;
	return r;
}

/* Log a failed result. */
static void
log_failure(PGconn *conn, PGresult *res, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
	char		clean[512];
	size_t		i;

	snprintf(clean, sizeof(clean), "%s", msg ? msg : "");
	for (i = 0; clean[i]; i++)
		if (clean[i] == '\n' || clean[i] == '"')
			clean[i] = clean[i] == '"' ? '\'' : ' ';
	relay_log(LOG_WARNING, "msg=\"could not %s: %s\" sqlstate=%s", what, clean,
			  state ? state : "none");
}

/*
 * Log a failed result; remember 55P03 (leadership lost, not a failure);
 * note anything else as a failure, classified by its SQLSTATE.
 */
static void
report(PGconn *conn, PGresult *res, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
	char		line[600];

	log_failure(conn, res, what);
	if (state != NULL && strcmp(state, "55P03") == 0)
	{
		lost_lock = true;
		return;
	}
	snprintf(line, sizeof(line), "could not %s: %s%s%s", what, msg ? msg : "",
			 state ? " SQLSTATE " : "", state ? state : "");
	/* No SQLSTATE: the connection broke (transient). */
	NoteFailure(SERVER_POSTGRES, state ? PgErrorClass(state, msg) : ERRCLASS_TRANSIENT, line);
}

/*
 * Is the conninfo (or URI) well-formed?  Checked once at start: a malformed
 * one can never connect.  NULL when it is, else a message (malloc'd).
 */
char *
PgCheckConninfo(const char *conninfo)
{
	char	   *err = NULL;
	PQconninfoOption *opts;

	if (conninfo == NULL || conninfo[0] == '\0')
		return NULL;
	opts = PQconninfoParse(conninfo, &err);
	if (opts == NULL)
	{
		char	   *msg = malloc(512);

		snprintf(msg, 512, "%s", err ? err : "out of memory");
		if (err)
			PQfreemem(err);
		return msg;
	}
	PQconninfoFree(opts);
	return NULL;
}

/* Server notices and warnings go to our log, on one line. */
static void
notice_to_log(void *arg, const char *message)
{
	char		clean[512];
	size_t		i;

	snprintf(clean, sizeof(clean), "%s", message);
	for (i = 0; clean[i]; i++)
		if (clean[i] == '\n' || clean[i] == '"')
			clean[i] = clean[i] == '"' ? '\'' : ' ';
	relay_log(LOG_WARNING, "msg=\"server said: %s\"", clean);
}

static PGconn *connect_pg(const RelayConfig *cfg, bool note);

PGconn *
PgConnect(const RelayConfig *cfg)
{
	return connect_pg(cfg, true);
}

/*
 * A connection of the lag monitor (metrics.c): its failures are not the
 * main loop's (no NoteFailure, --once does not act on them), and no
 * statement of it runs longer than 5 s.
 */
PGconn *
PgConnectQuiet(const RelayConfig *cfg)
{
	PGconn	   *conn = connect_pg(cfg, false);
	PGresult   *res;

	if (conn == NULL)
		return NULL;
	res = PQexec(conn, "SET statement_timeout = 5000");
	PQclear(res);
	return conn;
}

static PGconn *
connect_pg(const RelayConfig *cfg, bool note)
{
	const char *keys[] = {"dbname", "application_name", "connect_timeout",
		"keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
	"tcp_user_timeout", NULL};
	const char *vals[] = {cfg->db ? cfg->db : "", RELAY_PROGNAME, "10",
		"1", "10", "5", "3",
	"30000", NULL};
	PGconn	   *conn;
	PGresult   *res;

	conn = PQconnectdbParams(keys, vals, 1);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		char		clean[512];
		size_t		i;

		snprintf(clean, sizeof(clean), "%s", conn ? PQerrorMessage(conn) : "out of memory");
		for (i = 0; clean[i]; i++)
			if (clean[i] == '\n' || clean[i] == '"')
				clean[i] = ' ';
		if (note)
			relay_log(LOG_WARNING, "msg=\"could not connect to PostgreSQL: %s\"", clean);
		if (note)
		{
			char		line[600];

			snprintf(line, sizeof(line), "could not connect to PostgreSQL: %s", clean);
			NoteFailure(SERVER_POSTGRES, PgErrorClass(NULL, clean), line);
		}
		if (conn)
			PQfinish(conn);
		return NULL;
	}
	/*
	 * An ack must be durable before the next claim builds on it: with an
	 * asynchronous commit a crash could forget acked batches, and their ids
	 * would be handed out again for other rows.  No statement timeout: a
	 * claim after a long outage may take a while.
	 */
	PQsetNoticeProcessor(conn, notice_to_log, NULL);
	res = PQexec(conn, "SET synchronous_commit = on; SET statement_timeout = 0; "
				 "SET idle_in_transaction_session_timeout = 0");
	PQclear(res);
	return conn;
}

bool
PgConnectionOk(PGconn *conn)
{
	return conn != NULL && PQstatus(conn) == CONNECTION_OK;
}

/* outbox_partitions(), or -1. */
int
PgPartitions(PGconn *conn)
{
	PGresult   *res = PQexec(conn, "SELECT goodgo_events.outbox_partitions()");
	int			n = -1;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		n = atoi(PQgetvalue(res, 0, 0));
	else
		report(conn, res, "read the number of outbox partitions");
	PQclear(res);
	return n;
}

/* 1 locked, 0 held by another session, -1 error. */
int
PgTryLock(PGconn *conn, const char *relay, int part)
{
	char		p[16];
	const char *params[2] = {relay, p};
	PGresult   *res;
	int			r = -1;

	snprintf(p, sizeof(p), "%d", part);
	res = PQexecParams(conn, "SELECT goodgo_events.relay_lock($1, $2::int)",
					   2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		r = strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? 1 : 0;
	else
		report(conn, res, "lock the relay partition");
	PQclear(res);
	return r;
}

void
BatchFree(RelayBatch *batch)
{
	if (batch->res)
		PQclear(batch->res);
	free(batch->events);
	memset(batch, 0, sizeof(*batch));
}

/* Column number by name, or -1 (and a complaint for required ones). */
static int
column(PGresult *res, const char *name, bool required)
{
	int			i = PQfnumber(res, name);

	if (i < 0 && required)
		relay_log(LOG_ERROR, "msg=\"relay_claim returned no column \\\"%s\\\"\"", name);
	return i;
}

/*
 * Point the events of a batch at the rows of res (which the batch then
 * owns).  Returns the number of events, or -1 when a column is missing.
 */
static int
fill_batch(PGresult *res, int part, RelayBatch *batch)
{
	int			n = PQntuples(res),
				i;
	int			c_batch,
				c_ord,
				c_seq,
				c_id,
				c_type,
				c_agg,
				c_stream,
				c_env,
				c_att,
				c_replay,
				c_version;

	memset(batch, 0, sizeof(*batch));
	batch->part = part;
	if (n == 0)
	{
		PQclear(res);
		return 0;
	}
	c_batch = column(res, "batch_id", true);
	c_ord = column(res, "ord", true);
	c_seq = column(res, "seq", true);
	c_id = column(res, "event_id", true);
	c_type = column(res, "event_type", true);
	c_agg = column(res, "aggregate_id", false);
	c_stream = column(res, "stream", false);
	c_env = column(res, "envelope", true);
	c_att = column(res, "attempts", false);
	c_replay = column(res, "replay", false);
	/* The payload's version: the rows of a 1.1 extension have none. */
	c_version = column(res, "schema_version", false);
	if (c_batch < 0 || c_ord < 0 || c_seq < 0 || c_id < 0 || c_type < 0 || c_env < 0)
	{
		PQclear(res);
		return -1;
	}
	batch->res = res;
	batch->nevents = n;
	batch->events = calloc(n, sizeof(RelayEvent));
	for (i = 0; i < n; i++)
	{
		RelayEvent *e = &batch->events[i];

		e->batch_id = strtoll(PQgetvalue(res, i, c_batch), NULL, 10);
		e->ord = PQgetisnull(res, i, c_ord) ? 0 : atoi(PQgetvalue(res, i, c_ord));
		e->seq = strtoll(PQgetvalue(res, i, c_seq), NULL, 10);
		e->event_id = PQgetvalue(res, i, c_id);
		e->event_type = PQgetvalue(res, i, c_type);
		e->aggregate_id = c_agg >= 0 ? PQgetvalue(res, i, c_agg) : "";
		e->stream = c_stream >= 0 ? PQgetvalue(res, i, c_stream) : "";
		e->envelope = PQgetvalue(res, i, c_env);
		e->envelope_len = PQgetlength(res, i, c_env);
		e->attempts = c_att >= 0 ? atoi(PQgetvalue(res, i, c_att)) : 0;
		/* A re-delivery flag (operator replays), if the rows carry one. */
		e->replay = c_replay >= 0 && strcmp(PQgetvalue(res, i, c_replay), "t") == 0;
		e->payload_version = c_version >= 0 && !PQgetisnull(res, i, c_version) ?
			PQgetvalue(res, i, c_version) : NULL;
		/* An entry without an ord cannot take a deterministic id. */
		if (PQgetisnull(res, i, c_ord))
			e->replay = true;
	}
	batch->batch_id = batch->events[0].batch_id;
	return n;
}

/*
 * relay_claim: the open batch of (relay, part) again, or the next window.
 * Returns the number of events (0: nothing committed), or -1.
 */
int
PgClaim(PGconn *conn, const char *relay, int part, int max, RelayBatch *batch)
{
	char		p[16],
				m[16];
	const char *params[3] = {relay, p, m};
	PGresult   *res;
	int			n;

	memset(batch, 0, sizeof(*batch));
	snprintf(p, sizeof(p), "%d", part);
	snprintf(m, sizeof(m), "%d", max);
	res = PQexecParams(conn,
					   "SELECT * FROM goodgo_events.relay_claim($1, $2::int, $3::int)",
					   3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		report(conn, res, "claim a batch");
		PQclear(res);
		return -1;
	}
	n = fill_batch(res, part, batch);
	batch->asked = max;
	return n;
}

/*
 * relay_ack_claim: ack batch_id, then claim the next batch of (relay, part)
 * in the same call (one round trip, one transaction).  Returns the number
 * of events of the next batch (0: nothing committed), or -1; on -1 neither
 * the ack nor the claim happened.
 */
int
PgAckClaim(PGconn *conn, const char *relay, int part, int64_t batch_id, int max,
		   RelayBatch *next)
{
	char		p[16],
				b[32],
				m[16];
	const char *params[4] = {relay, p, b, m};
	PGresult   *res;
	int			n;

	memset(next, 0, sizeof(*next));
	snprintf(p, sizeof(p), "%d", part);
	snprintf(b, sizeof(b), "%" PRId64, batch_id);
	snprintf(m, sizeof(m), "%d", max);
	res = PQexecParams(conn,
					   "SELECT * FROM goodgo_events.relay_ack_claim($1, $2::int, $3::bigint, $4::int)",
					   4, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		report(conn, res, "acknowledge the batch and claim the next one");
		PQclear(res);
		return -1;
	}
	n = fill_batch(res, part, next);
	next->asked = max;
	return n;
}

/* 0 ok, -1 error. */
int
PgAck(PGconn *conn, const char *relay, int part, int64_t batch_id)
{
	char		p[16],
				b[32];
	const char *params[3] = {relay, p, b};
	PGresult   *res;
	int			r = -1;

	snprintf(p, sizeof(p), "%d", part);
	snprintf(b, sizeof(b), "%" PRId64, batch_id);
	res = PQexecParams(conn, "SELECT goodgo_events.relay_ack($1, $2::int, $3::bigint)",
					   3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		r = 0;
	else
		report(conn, res, "acknowledge the batch");
	PQclear(res);
	return r;
}

/* Record a failed attempt; *dead is set when it became a dead letter. */
int
PgNack(PGconn *conn, const char *relay, int part, int64_t batch_id, int64_t seq,
	   const char *error, bool *dead)
{
	char		p[16],
				b[32],
				s[32];
	const char *params[5] = {relay, p, b, s, error};
	PGresult   *res;
	int			r = -1;

	snprintf(p, sizeof(p), "%d", part);
	snprintf(b, sizeof(b), "%" PRId64, batch_id);
	snprintf(s, sizeof(s), "%" PRId64, seq);
	res = PQexecParams(conn,
					   "SELECT goodgo_events.relay_nack($1, $2::int, $3::bigint, $4::bigint, $5)",
					   5, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
	{
		*dead = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		r = 0;
	}
	else
		report(conn, res, "record a failed publish attempt");
	PQclear(res);
	return r;
}

/* The last acked batch of (relay, part), 0 when none. */
int
PgLastBatch(PGconn *conn, const char *relay, int part, int64_t *last)
{
	char		p[16];
	const char *params[2] = {relay, p};
	PGresult   *res;
	int			r = -1;

	snprintf(p, sizeof(p), "%d", part);
	res = PQexecParams(conn,
					   "SELECT last_batch_id FROM goodgo_events.relay_position($1, $2::int)",
					   2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
	{
		*last = (PQntuples(res) == 0 || PQgetisnull(res, 0, 0)) ? 0 :
			strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		r = 0;
	}
	else
		report(conn, res, "read the relay position");
	PQclear(res);
	return r;
}

/*
 * The retained events of the acked batches from from_batch on, in their
 * original order and with their original batch ids and ords (relay_replay).
 * Returns the number of events, or -1.
 */
int
PgReplay(PGconn *conn, const char *relay, int part, int64_t from_batch, RelayBatch *batch)
{
	char		p[16],
				b[32];
	const char *params[3] = {relay, p, b};
	PGresult   *res;

	memset(batch, 0, sizeof(*batch));
	snprintf(p, sizeof(p), "%d", part);
	snprintf(b, sizeof(b), "%" PRId64, from_batch);
	res = PQexecParams(conn,
					   "SELECT * FROM goodgo_events.relay_replay($1, $2::int, from_batch => $3::bigint)",
					   3, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		report(conn, res, "read the retained events for a replay");
		PQclear(res);
		return -1;
	}
	return fill_batch(res, part, batch);
}

/*
 * Overlap: relay_peek is sent (PgPeekStart) before the open batch goes to
 * Redis, so the backend reads the next batch's rows while Redis works.  A
 * thread of its own reads the result as it arrives: a 4,000-event peek is
 * megabytes, and a backend whose socket is full waits inside its statement,
 * holding its snapshot and its locks on the outbox, for as long as Redis
 * takes (up to --redis-timeout when Redis stalls).  PgPeekFinish joins the
 * thread once Redis has answered, and the ack confirms the peek
 * (PgAckClaimPeeked).  Between the two calls no other thread uses the
 * connection.
 */

static void *
peek_reader(void *arg)
{
	PeekJob    *job = arg;
	PGresult   *extra;

	job->res = PQgetResult(job->conn);
	while ((extra = PQgetResult(job->conn)) != NULL)
		PQclear(extra);
	return NULL;
}

/* true when the query was sent (the caller must then call PgPeekFinish). */
bool
PgPeekStart(PGconn *conn, const char *relay, int part, int max, PeekJob *job)
{
	char		p[16],
				m[16];
	const char *params[3] = {relay, p, m};
	sigset_t	all,
				old;

	memset(job, 0, sizeof(*job));
	job->conn = conn;
	snprintf(p, sizeof(p), "%d", part);
	snprintf(m, sizeof(m), "%d", max);
	if (PQsendQueryParams(conn,
						  "SELECT * FROM goodgo_events.relay_peek($1, $2::int, $3::int)",
						  3, NULL, params, NULL, NULL, 0) != 1)
		return false;
	/* The reader takes no signal: they stay with the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	job->threaded = pthread_create(&job->thread, NULL, peek_reader, job) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return true;
}

/*
 * The peeked rows (0: nothing predictable), or -1 when the peek failed.  A
 * failed peek is not an error of the relay (the ack claims as usual): it is
 * logged as a warning at most once a minute, except for an extension
 * without relay_peek (1.0), where *unsupported is set for the caller.  The
 * connection is read up to its last result.
 */
int
PgPeekFinish(PeekJob *job, int part, RelayBatch *batch, bool *unsupported)
{
	static double last_warning = 0;
	PGresult   *res;
	const char *state;

	memset(batch, 0, sizeof(*batch));
	*unsupported = false;
	if (job->threaded)
		pthread_join(job->thread, NULL);
	else
		peek_reader(job);		/* no thread: read it now */
	res = job->res;
	job->res = NULL;
	if (res == NULL)
		return -1;
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return fill_batch(res, part, batch);
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (state != NULL && strcmp(state, "42883") == 0)
		*unsupported = true;
	else if (NowSeconds() - last_warning >= 60.0)
	{
		last_warning = NowSeconds();
		log_failure(job->conn, res, "read the next batch ahead (relay_peek; the ack claims it instead)");
	}
	PQclear(res);
	return -1;
}

/*
 * relay_ack_claim with the peeked batch: ack batch_id and claim the next
 * batch, which the server confirms (one row, ord 0) when it is the peeked
 * one; *next then takes the peeked rows over.  Otherwise the claimed rows
 * come in full and the peek is dropped.  Returns the number of events of
 * the next batch (0: nothing), or -1 (the peek is dropped; the ack and the
 * claim did not happen, except after the server confirmed another batch
 * than the one named, which it never does: the claimed batch is then open
 * and the next relay_claim returns it).
 */
int
PgAckClaimPeeked(PGconn *conn, const char *relay, int part, int64_t batch_id, int max,
				 RelayBatch *peek, RelayBatch *next, bool *confirmed)
{
	char		p[16],
				b[32],
				m[16],
				pb[32];
	char	   *seqs;
	size_t		len = 0;
	const char *params[6] = {relay, p, b, m, pb, NULL};
	PGresult   *res;
	int			i,
				c_ord,
				c_batch;

	memset(next, 0, sizeof(*next));
	*confirmed = false;
	snprintf(p, sizeof(p), "%d", part);
	snprintf(b, sizeof(b), "%" PRId64, batch_id);
	snprintf(m, sizeof(m), "%d", max);
	snprintf(pb, sizeof(pb), "%" PRId64, peek->batch_id);
	seqs = malloc((size_t) peek->nevents * 21 + 3);
	if (seqs == NULL)
	{
		relay_log(LOG_ERROR, "msg=\"out of memory\"");
		BatchFree(peek);
		return -1;
	}
	seqs[len++] = '{';
	for (i = 0; i < peek->nevents; i++)
		len += sprintf(seqs + len, i ? ",%" PRId64 : "%" PRId64, peek->events[i].seq);
	seqs[len++] = '}';
	seqs[len] = '\0';
	params[5] = seqs;
	res = PQexecParams(conn,
					   "SELECT * FROM goodgo_events.relay_ack_claim($1, $2::int, $3::bigint, $4::int, $5::bigint, $6::bigint[])",
					   6, NULL, params, NULL, NULL, 0);
	free(seqs);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		report(conn, res, "acknowledge the batch and claim the next one");
		PQclear(res);
		BatchFree(peek);
		return -1;
	}
	c_ord = PQfnumber(res, "ord");
	c_batch = PQfnumber(res, "batch_id");
	if (PQntuples(res) == 1 && c_ord >= 0 && c_batch >= 0 &&
		strcmp(PQgetvalue(res, 0, c_ord), "0") == 0)
	{
		if (strtoll(PQgetvalue(res, 0, c_batch), NULL, 10) != peek->batch_id)
		{
			/* Cannot happen: the server confirms only the batch we named. */
			relay_log(LOG_ERROR, "msg=\"relay_ack_claim confirmed another batch than the peeked one\" partition=%d", part);
			PQclear(res);
			BatchFree(peek);
			return -1;
		}
		PQclear(res);
		*next = *peek;
		memset(peek, 0, sizeof(*peek));
		next->asked = max;
		*confirmed = true;
		return next->nevents;
	}
	BatchFree(peek);
	i = fill_batch(res, part, next);
	next->asked = max;
	return i;
}

/*
 * Give up partition part (relay_unlock): it made no progress for
 * --unhealthy-after, and a healthy standby may publish it.  0, or -1.
 */
int
PgUnlock(PGconn *conn, const char *relay, int part)
{
	char		p[16];
	const char *params[2] = {relay, p};
	PGresult   *res;
	int			r = -1;

	snprintf(p, sizeof(p), "%d", part);
	res = PQexecParams(conn, "SELECT goodgo_events.relay_unlock($1, $2::int)",
					   2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		r = 0;
	else
		report(conn, res, "release the relay partition");
	PQclear(res);
	return r;
}

/*
 * A frozen relay (SIGSTOP, a stalled VM) keeps its session and so its
 * partition locks: TCP keepalives do not end it (the kernel answers them),
 * and a Unix socket has none.  idle_session_timeout (PostgreSQL 14+) makes
 * the server end a session idle for ms, which frees the locks for a standby.
 * A working relay is never idle that long: it claims every --poll-interval
 * and a standby tries the locks every --standby-retry.
 */
void
PgSetIdleTimeout(PGconn *conn, int ms)
{
	char		sql[96];
	PGresult   *res;

	snprintf(sql, sizeof(sql), "SET idle_session_timeout = %d", ms);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		report(conn, res, "set idle_session_timeout (a frozen relay then keeps its partitions)");
	PQclear(res);
}
