/*
 * main.c
 *		goodgo-relay: publish committed goodgo_events outbox events to Redis
 *		Streams.
 *
 * The loop, for each outbox partition this relay leads:
 *
 *	1. relay_claim: the open batch again (after a crash or a failed
 *	   publish), or the next window of committed events;
 *	2. publish it as one pipelined MULTI/XADD.../EXEC chunk with ids
 *	   <batch_id>-<ord>, reading every reply (redis.c);
 *	3. relay_ack, only after Redis accepted every entry.
 *
 * Overlap (--overlap, on by default): before step 2, relay_peek is sent
 * for the batch after this one (the next slice of the open window), and a
 * thread reads its rows while Redis takes this batch; step 3 then acks with
 * the peeked batch id and seqs, and the server only confirms them when its
 * claim is exactly that batch.  Nothing is published before its claim has
 * committed.
 *
 * Steps 3 and 1 of the next round go in one call, relay_ack_claim: the
 * ack of batch N and the claim of batch N+1 share one round trip and one
 * transaction, and the claimed batch waits in pending[] until its
 * partition's turn comes.  (If that call fails, neither happened: batch N
 * is still open and is claimed and published again; Redis refuses its
 * entries as duplicates.)  A stop request acks with plain relay_ack, so
 * that no batch is left open by a clean exit.
 *
 * Nothing is acked that Redis did not take, so a crash anywhere (kill -9
 * included) leaves an open batch that the next claim returns again; its
 * entries are then refused by Redis as "equal or smaller" ids and counted
 * as already published once XRANGE shows the same eventId there.
 *
 * Leadership: relay_lock per partition, a session-level advisory lock.  A
 * relay leads every partition whose lock it got; the others it retries
 * every --standby-retry ms, so a standby takes over within seconds of the
 * leader's death (its session ends, the lock frees).  Leadership follows
 * health: a partition failing for --unhealthy-after is released
 * (relay_unlock) for a standby that can publish it, and the session's
 * idle_session_timeout ends a frozen relay's session (release_unhealthy).
 *
 * Faults: every failure (Redis down, OOM, LOADING, a PostgreSQL restart, a
 * stall) ends in a jittered exponential backoff, capped, then a reconnect
 * or a resend of the same batch.  A Redis-side failure backs off only the
 * partition it hit (partition_backoff): the others keep publishing.  Redis
 * is reached through a Router (cluster.c): one server, or the masters of a
 * Redis Cluster by slot.  A permanent per-entry error is reported
 * with relay_nack; when it has become a dead letter the batch is acked
 * without it.
 *
 * Redis losing data (restart without persistence or from an older
 * snapshot, failover): on every Redis (re)connect and every partition
 * takeover, the highest entry id (batch, ord) at the top of the
 * partition's streams is compared with the last acknowledged entry; if
 * Redis is behind, even inside a batch, the retained events from the top
 * batch on are read with relay_replay and published again under their
 * original ids, before any new batch, so the stream ends up as if nothing
 * had been lost (recover.c).
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "relay.h"

typedef struct Relay
{
	RelayConfig cfg;
	PGconn	   *pg;
	Router	   *router;			/* Redis: one server, or the nodes of a cluster */
	int			nparts;
	int			lo;
	int			hi;
	bool	   *led;
	bool	   *check_loss;
	int		   *claim_size;		/* per partition: grows while claims come back full */
	RelayBatch *pending;		/* per partition: claimed by relay_ack_claim, not published yet */
	int		   *slot;			/* per partition: its Redis Cluster slot */
	int		   *pfailures;		/* per partition: consecutive Redis-side failures */
	double	   *retry_at;		/* per partition: backing off until then */
	double	   *progress_at;	/* per partition: last publish, or last time nothing was pending */
	double	   *relock_at;		/* per partition: released as unhealthy, not retaken before */
	double		last_lock_try;
	double		last_redis_use;
	int			failures;		/* consecutive, for the backoff */
	double		last_progress;	/* --once: start, or the last batch acked or check done */
	double		once_unled_since;	/* --once: drained what it leads, others not led since */
	double		peek_retry_at;	/* no relay_peek (extension 1.0): not before then */
	bool		warned_no_peek;
	int			metrics_fd;
	RelayCounters k;
} Relay;

/*
 * GOODGO_RELAY_TEST_CRASH_AFTER_PUBLISH=k: kill ourselves after the k-th
 * chunk Redis accepted, before its ack.  Only for the tests.
 */
static int	crash_after_publish = 0;
static int	published_chunks = 0;

/*
 * GOODGO_RELAY_TEST_SPOIL_PEEKS=1: confirm every peek with one seq fewer, so
 * that relay_ack_claim answers with the full rows.  Only for the tests.
 */
static bool spoil_peeks = false;

/*
 * Seconds before relay_peek is tried again on an extension without it (1.0):
 * GOODGO_RELAY_TEST_PEEK_RETRY_S shortens it for the tests.
 */
static double peek_retry_s = 60.0;

/* Something was done: --once's clock starts again, the failures are over. */
static void
progress(Relay *r, bool published)
{
	r->last_progress = NowSeconds();
	r->failures = 0;
	StatusProgress(NowMillis() / 1000.0, published);
}

/*
 * --once gives up, exit 1: at once after a permanent error (authentication,
 * permission, a missing database or extension: no retry can fix those), or
 * when --once-timeout seconds passed without progress (transient errors).
 * A drain that keeps publishing makes progress, so it is never cut.  The
 * daemon keeps retrying both kinds; the metrics say so.
 */
static void
once_give_up_check(Relay *r)
{
	ErrorClass	cls;
	RelayServer server;
	char		msg[512];
	bool		noted;

	if (!r->cfg.once)
		return;
	noted = LastFailure(&cls, &server, msg, sizeof(msg));
	if (noted && cls == ERRCLASS_PERMANENT)
	{
		relay_log(LOG_ERROR, "msg=\"--once: giving up on a permanent error: %s\" server=%s",
				  msg, server == SERVER_REDIS ? "redis" : "postgresql");
		exit(RELAY_EXIT_FAILURE);
	}
	if (NowSeconds() - r->last_progress >= r->cfg.once_timeout_s)
	{
		relay_log(LOG_ERROR, "msg=\"--once: giving up after %d s without progress: %s\"",
				  r->cfg.once_timeout_s, noted ? msg : "no successful round");
		exit(RELAY_EXIT_FAILURE);
	}
}

static void
backoff(Relay *r, const char *why)
{
	int			ms = BackoffDelay(r->failures++, r->cfg.backoff_max_ms);

	StatusBackoff();
	StatusCounters(&r->k);
	once_give_up_check(r);
	/* --once: never sleep past its deadline. */
	if (r->cfg.once)
	{
		double		left = r->last_progress + r->cfg.once_timeout_s - NowSeconds();

		if (left * 1000.0 < ms)
			ms = left > 0 ? (int) (left * 1000.0) + 1 : 1;
	}
	relay_log(LOG_INFO, "msg=\"backing off\" reason=\"%s\" delay_ms=%d attempt=%d", why, ms,
			  r->failures);
	SleepMillis(ms);
	once_give_up_check(r);
}

static void try_locks(Relay *r);

/*
 * --once drained the partitions it leads, but not every partition of its
 * range is led by it: the lock of one is held by another session.  That may
 * be another relay, or the backend of a relay that just exited and is still
 * on its way out (a disconnect releases the lock only when the server
 * process is done): a back-to-back --once, a cron job, must not skip the
 * partition.  So keep trying the missing locks (every 100 ms) for
 * --once-timeout; then give up with exit 1, naming the partitions.
 */
static bool
once_wait_for_partitions(Relay *r)
{
	double		now = NowSeconds();
	char		list[256];
	size_t		len = 0;
	int			p;

	if (r->once_unled_since == 0)
		r->once_unled_since = now;
	if (now - r->once_unled_since < r->cfg.once_timeout_s)
	{
		SleepMillis(100);
		if (!relay_stop_requested && PgConnectionOk(r->pg))
			try_locks(r);
		return true;
	}
	list[0] = '\0';
	for (p = r->lo; p <= r->hi && len < sizeof(list) - 16; p++)
		if (!r->led[p])
			len += snprintf(list + len, sizeof(list) - len, "%s%d", len ? "," : "", p);
	relay_log(LOG_ERROR, "msg=\"--once: %s led by another relay for %d s: not drained\" partitions=%s",
			  r->k.partitions_led == 0 ? "every partition is" : "partitions are",
			  r->cfg.once_timeout_s, list);
	return false;
}

/* Forget a batch claimed ahead (it stays open: the next claim returns it). */
static void
drop_pending(Relay *r, int part)
{
	if (r->pending && r->pending[part].res)
		BatchFree(&r->pending[part]);
}

static void
drop_pg(Relay *r)
{
	int			p;

	if (r->pg)
		PQfinish(r->pg);
	r->pg = NULL;
	for (p = 0; r->led && p < r->nparts; p++)
	{
		r->led[p] = false;
		drop_pending(r, p);
	}
	r->k.partitions_led = 0;
}

static void
drop_redis(Relay *r)
{
	RouterClose(r->router);
	r->router = NULL;
}

/*
 * A Redis-side failure of one partition (its node unreachable, a refusal,
 * a slot in migration): only this partition waits, the others go on.
 */
static void
partition_backoff(Relay *r, int part, const char *why)
{
	int			ms = BackoffDelay(r->pfailures[part]++, r->cfg.backoff_max_ms);

	StatusBackoff();
	StatusCounters(&r->k);
	/* --once: a permanent error, or no progress for --once-timeout, ends it. */
	once_give_up_check(r);
	r->retry_at[part] = NowSeconds() + ms / 1000.0;
	relay_log(LOG_INFO, "msg=\"backing off partition\" partition=%d reason=\"%s\" delay_ms=%d attempt=%d",
			  part, why, ms, r->pfailures[part]);
}

/* Try to take every partition of our range that we do not lead yet. */
static void
try_locks(Relay *r)
{
	int			p;

	r->last_lock_try = NowSeconds();
	for (p = r->lo; p <= r->hi; p++)
	{
		int			got;

		if (r->led[p] || r->last_lock_try < r->relock_at[p])
			continue;
		got = PgTryLock(r->pg, r->cfg.relay_name, p);
		if (got < 0)
			return;
		if (got == 1)
		{
			r->led[p] = true;
			r->check_loss[p] = true;
			r->progress_at[p] = NowSeconds();
			r->pfailures[p] = 0;
			r->retry_at[p] = 0;
			r->k.partitions_led++;
			relay_log(LOG_INFO, "msg=\"leading partition\" relay=%s partition=%d slot=%d",
					  r->cfg.relay_name, p, r->slot[p]);
		}
	}
}

static bool
ensure_pg(Relay *r)
{
	int			n,
				p;

	if (PgConnectionOk(r->pg))
		return true;
	if (r->pg)
	{
		relay_log(LOG_WARNING, "msg=\"lost the PostgreSQL connection\"");
		r->k.pg_reconnects++;
	}
	drop_pg(r);
	r->pg = PgConnect(&r->cfg);
	if (r->pg == NULL)
		return false;
	PgSetIdleTimeout(r->pg, r->cfg.unhealthy_after_ms + r->cfg.poll_ms + r->cfg.standby_retry_ms);
	StatusServerUp(SERVER_POSTGRES, true);
	n = PgPartitions(r->pg);
	if (n <= 0)
	{
		drop_pg(r);
		return false;
	}
	if (n != r->nparts)
	{
		free(r->led);
		free(r->check_loss);
		free(r->claim_size);
		free(r->pending);
		free(r->slot);
		free(r->pfailures);
		free(r->retry_at);
		free(r->progress_at);
		free(r->relock_at);
		r->nparts = n;
		r->led = calloc(n, sizeof(bool));
		r->check_loss = calloc(n, sizeof(bool));
		r->claim_size = calloc(n, sizeof(int));
		r->pending = calloc(n, sizeof(RelayBatch));
		r->slot = calloc(n, sizeof(int));
		r->pfailures = calloc(n, sizeof(int));
		r->retry_at = calloc(n, sizeof(double));
		r->progress_at = calloc(n, sizeof(double));
		r->relock_at = calloc(n, sizeof(double));
		for (p = 0; p < n; p++)
			r->slot[p] = PartitionSlot(&r->cfg, p);
	}
	r->lo = r->cfg.part_lo >= 0 ? r->cfg.part_lo : 0;
	r->hi = r->cfg.part_hi >= 0 ? r->cfg.part_hi : n - 1;
	if (r->hi > n - 1)
		r->hi = n - 1;
	if (r->lo > r->hi)
	{
		relay_log(LOG_ERROR, "msg=\"--partitions names no partition of this outbox\" partitions=%d", n);
		exit(RELAY_EXIT_FAILURE);
	}
	try_locks(r);
	return true;
}

static bool
ensure_redis(Relay *r)
{
	int			p;

	if (r->router != NULL)
		return true;
	r->router = RouterOpen(&r->cfg);
	if (r->router == NULL)
		return false;
	r->k.redis_reconnects++;
	r->last_redis_use = NowSeconds();
	StatusServerUp(SERVER_REDIS, true);
	for (p = 0; p < r->nparts; p++)
		r->check_loss[p] = true;
	return true;
}

/*
 * Verify the partition's streams against its acknowledged position and
 * re-publish what Redis lost (recover.c), before anything newer goes to
 * them.  false on an I/O or SQL error (the check is then redone).
 */
static bool
recover_loss(Relay *r, int part)
{
	switch (RecoverPartition(r->router, r->pg, &r->cfg, part, &r->k))
	{
		case RECOVER_OK:

			/*
			 * Not progress for --once: a Redis that drops every publish
			 * would reconnect and pass this check forever.
			 */
			r->check_loss[part] = false;
			return true;
		case RECOVER_REDIS_FAILED:
			/* The router dropped the node that failed: this partition waits alone. */
			return false;
		case RECOVER_PG_FAILED:
			break;
	}
	return false;
}

/*
 * Idle: a PING now and then, so a restarted Redis is noticed before the
 * next claim (and, on a cluster, the slot map reloaded now and then).
 */
static void
idle_ping(Relay *r)
{
	if (r->router == NULL || NowSeconds() - r->last_redis_use < 1.0)
		return;
	RouterPing(r->router);
	r->last_redis_use = NowSeconds();
}

/* Report the failed entries; true when all of them are dead letters now. */
static bool
nack_failures(Relay *r, const RelayBatch *b, const EntryFailure *f, int nf)
{
	bool		all_dead = true;
	int			i;

	for (i = 0; i < nf; i++)
	{
		const RelayEvent *e = &b->events[f[i].index];
		bool		dead = false;

		r->k.nacks++;
		if (PgNack(r->pg, r->cfg.relay_name, b->part, b->batch_id, e->seq, f[i].error, &dead) != 0)
			return false;
		if (dead)
		{
			r->k.dead_letters++;
			relay_log(LOG_WARNING, "msg=\"event moved to the dead letters\" event_id=%s partition=%d batch=%" PRId64 " error=\"%s\"",
					  e->event_id, b->part, b->batch_id, f[i].error);
		}
		else
			all_dead = false;
	}
	return all_dead;
}

/*
 * Under a backlog, claim more at a time (fewer, larger claims drain faster:
 * each has a fixed cost); back to --batch as soon as a claim comes back
 * short.  An open batch returned again keeps its size whatever we asked for.
 */
static void
grow_claim(Relay *r, int part, int n)
{
	if (n >= r->claim_size[part])
		r->claim_size[part] = r->claim_size[part] * 2 < r->cfg.batch_max ?
			r->claim_size[part] * 2 : r->cfg.batch_max;
	else
		r->claim_size[part] = r->cfg.batch;
}

/*
 * Publish and ack one batch of one partition: the one claimed ahead by the
 * previous round's relay_ack_claim, else a fresh claim.  Returns the number of
 * events handled (0: nothing to do), -1 after a PostgreSQL failure (already
 * backed off), or -2 after a Redis-side failure of this partition (it backs
 * off alone: partition_backoff).
 */
static int
relay_partition(Relay *r, int part)
{
	RelayBatch	b;
	int			n;
	PublishResult pr;
	EntryFailure *failures;
	int			nfail = 0,
				next,
				npeek = -1,
				max_next;
	RelayBatch	peek;
	PeekJob		job;
	bool		peeking = false,
				confirmed = false;
	double		t0 = NowSeconds(),
				t_claim,
				t_pub,
				t_peek;

	memset(&peek, 0, sizeof(peek));
	if (r->claim_size[part] < r->cfg.batch)
		r->claim_size[part] = r->cfg.batch;
	if (r->pending[part].nevents > 0)
	{
		/* Claimed by the previous round's relay_ack_claim. */
		b = r->pending[part];
		memset(&r->pending[part], 0, sizeof(RelayBatch));
		n = b.nevents;
		t_claim = t0;
	}
	else
	{
		n = PgClaim(r->pg, r->cfg.relay_name, part, r->claim_size[part], &b);
		t_claim = NowSeconds();
		if (n < 0)
		{
			if (PgLostLock())
			{
				relay_log(LOG_WARNING, "msg=\"no longer leading partition\" partition=%d", part);
				r->led[part] = false;
				r->k.partitions_led--;
				return 0;
			}
			if (PgConnectionOk(r->pg))
				backoff(r, "claim failed");
			return -1;
		}
		if (n == 0)
			return 0;
		grow_claim(r, part, n);
	}

	/*
	 * Overlap: the backend reads the next batch's rows (relay_peek) while
	 * Redis takes this one; the ack below then only confirms them.  Nothing
	 * else may use the connection until PgPeekFinish.  A batch shorter than
	 * its claim asked for ended its window: nothing after it can be known,
	 * so no peek.
	 */
	max_next = r->claim_size[part];
	if (r->cfg.overlap && NowSeconds() >= r->peek_retry_at && !relay_stop_requested &&
		n >= b.asked)
		peeking = PgPeekStart(r->pg, r->cfg.relay_name, part, max_next, &job);
	failures = calloc(n, sizeof(EntryFailure));
	pr = RedisPublish(r->router, &r->cfg, &b, failures, &nfail, &r->k);
	r->last_redis_use = t_pub = NowSeconds();
	if (peeking)
	{
		bool		unsupported;

		npeek = PgPeekFinish(&job, part, &peek, &unsupported);
		if (unsupported)
		{
			/* Asked again in a minute: the extension may be updated by then. */
			r->peek_retry_at = NowSeconds() + peek_retry_s;
			if (!r->warned_no_peek)
				relay_log(LOG_WARNING, "msg=\"the goodgo_events extension has no relay_peek (version 1.0): claims do not overlap publishing until ALTER EXTENSION goodgo_events UPDATE\"");
			r->warned_no_peek = true;
		}
		else if (npeek >= 0 && r->warned_no_peek)
		{
			relay_log(LOG_INFO, "msg=\"relay_peek found: claims overlap publishing again\"");
			r->warned_no_peek = false;
		}
		/* Test hook: spoil the peek, so that the ack must send the rows. */
		if (npeek > 1 && spoil_peeks)
			peek.nevents--;
	}
	t_peek = NowSeconds();
	switch (pr)
	{
		case PUBLISH_OK:
			break;
		case PUBLISH_RECONNECT:
			r->k.retries++;
			partition_backoff(r, part, "Redis node unreachable");
			n = -2;
			goto out;
		case PUBLISH_RETRY:
			r->k.retries++;
			partition_backoff(r, part, "Redis refused the chunk");
			n = -2;
			goto out;
		case PUBLISH_SUSPECT:
			/* Compare the stream tops first (next round), then publish. */
			r->check_loss[part] = true;
			n = -2;
			goto out;
		case PUBLISH_ENTRY_FAILED:
			if (!nack_failures(r, &b, failures, nfail))
			{
				r->k.retries++;
				backoff(r, "entries failed");
				n = -1;
				goto out;
			}
			/* Every failed entry is a dead letter now: ack without them. */
			break;
	}
	/* Test hook: die between the publish and the ack (relay_kill suite). */
	if (crash_after_publish > 0 && ++published_chunks >= crash_after_publish)
	{
		relay_log(LOG_WARNING, "msg=\"test hook: exiting between publish and ack\" batch=%" PRId64, b.batch_id);
		raise(SIGKILL);
	}
	if (relay_stop_requested)
		next = PgAck(r->pg, r->cfg.relay_name, part, b.batch_id);
	else
	{
		if (npeek > 0)
		{
			next = PgAckClaimPeeked(r->pg, r->cfg.relay_name, part, b.batch_id,
									max_next, &peek, &r->pending[part], &confirmed);
			if (confirmed)
				r->k.batches_peeked++;
		}
		else
			next = PgAckClaim(r->pg, r->cfg.relay_name, part, b.batch_id,
							  max_next, &r->pending[part]);
		if (next > 0)
			grow_claim(r, part, next);
	}
	if (next < 0)
	{
		if (PgLostLock())
		{
			relay_log(LOG_WARNING, "msg=\"no longer leading partition\" partition=%d", part);
			r->led[part] = false;
			r->k.partitions_led--;
		}
		else if (PgConnectionOk(r->pg))
			backoff(r, "ack failed");
		n = -1;
		goto out;
	}
	r->pfailures[part] = 0;
	r->k.batches++;
	progress(r, true);
	StatusCounters(&r->k);
	r->k.last_batch_ms = (NowSeconds() - t0) * 1000.0;
	relay_log(LOG_DEBUG, "msg=\"batch\" partition=%d batch=%" PRId64 " events=%d ms=%.1f claim_ms=%.1f publish_ms=%.1f peek_wait_ms=%.1f ack_ms=%.1f peeked=%d next_confirmed=%d lag_s=%.3f published=%llu duplicates=%llu",
			  part, b.batch_id, n, r->k.last_batch_ms, (t_claim - t0) * 1000.0,
			  (t_pub - t_claim) * 1000.0, (t_peek - t_pub) * 1000.0,
			  (NowSeconds() - t_peek) * 1000.0, npeek > 0 ? npeek : 0, confirmed ? 1 : 0,
			  r->k.lag_seconds,
			  (unsigned long long) r->k.events_published,
			  (unsigned long long) r->k.events_duplicate);
out:
	free(failures);
	BatchFree(&peek);
	BatchFree(&b);
	return n;
}

/*
 * Leadership follows health: a partition that made no progress for
 * --unhealthy-after (its pending events could not be published: its Redis
 * node unreachable, ...) is released with relay_unlock, so that a standby
 * that can reach Redis takes it; we try to take it back only after a while,
 * as a standby.  Its open batch stays open: the next leader claims it again.
 */
static void
release_unhealthy(Relay *r, int part)
{
	double		hold = r->cfg.standby_retry_ms * 3 / 1000.0;

	if (hold < 2.0)
		hold = 2.0;
	relay_log(LOG_WARNING, "msg=\"releasing partition: no progress for --unhealthy-after\" partition=%d unhealthy_after_ms=%d retake_after_s=%.1f",
			  part, r->cfg.unhealthy_after_ms, hold);
	drop_pending(r, part);
	if (PgUnlock(r->pg, r->cfg.relay_name, part) != 0)
	{
		/* The session is in trouble: ending it frees every lock. */
		drop_pg(r);
		return;
	}
	r->led[part] = false;
	r->k.partitions_led--;
	r->relock_at[part] = NowSeconds() + hold;
	r->retry_at[part] = 0;
	r->pfailures[part] = 0;
}

/* Milliseconds until the first partition in backoff may retry, at most a poll. */
static int
next_retry_ms(Relay *r)
{
	double		now = NowSeconds(),
				first = now + r->cfg.poll_ms / 1000.0;
	int			p;

	for (p = r->lo; p <= r->hi; p++)
		if (r->led[p] && r->retry_at[p] > now && r->retry_at[p] < first)
			first = r->retry_at[p];
	return (int) ((first - now) * 1000.0) + 1;
}

int
main(int argc, char **argv)
{
	/*
	 * Static: the relay's state lives until exit, and LeakSanitizer (CI)
	 * must see it as reachable then, not as leaked by a returned frame.
	 */
	static Relay r;
	int			rc;

	memset(&r, 0, sizeof(r));
	rc = ConfigParse(&r.cfg, argc, argv);
	if (rc >= 0)
		return rc;
	LogSetup(r.cfg.log_level, r.cfg.log_file);
	{
		const char *bad = CheckHashTags(&r.cfg);

		if (bad != NULL)
		{
			relay_log(LOG_ERROR, "msg=\"stream family \\\"%s\\\" would break the partition's hash tag: its keys would not share the partition's cluster slot\"", bad);
			return RELAY_EXIT_USAGE;
		}
	}
	if (getenv("GOODGO_RELAY_TEST_CRASH_AFTER_PUBLISH"))
		crash_after_publish = atoi(getenv("GOODGO_RELAY_TEST_CRASH_AFTER_PUBLISH"));
	spoil_peeks = getenv("GOODGO_RELAY_TEST_SPOIL_PEEKS") != NULL;
	if (getenv("GOODGO_RELAY_TEST_PEEK_RETRY_S"))
		peek_retry_s = atof(getenv("GOODGO_RELAY_TEST_PEEK_RETRY_S"));
	{
		char	   *bad = PgCheckConninfo(r.cfg.db);

		if (bad != NULL)
		{
			relay_log(LOG_ERROR, "msg=\"invalid PostgreSQL connection string (--db): %s\"", bad);
			free(bad);
			return RELAY_EXIT_FAILURE;
		}
	}
	SignalsSetup();
	r.last_progress = NowSeconds();
	r.metrics_fd = -1;
	if (r.cfg.metrics_port > 0)
	{
		r.metrics_fd = MetricsListen(r.cfg.metrics_port);
		if (r.metrics_fd < 0 || !MetricsStart(r.metrics_fd, &r.cfg))
			return RELAY_EXIT_FAILURE;
	}
	relay_log(LOG_INFO, "msg=\"starting\" version=%s relay=%s redis=%s prefix=%s batch=%d ids=%s",
			  RELAY_VERSION, r.cfg.relay_name,
			  r.cfg.redis.unix_path ? r.cfg.redis.unix_path :
			  r.cfg.redis.sentinel_master ? "sentinel" : r.cfg.redis.host,
			  r.cfg.stream_prefix, r.cfg.batch,
			  r.cfg.id_mode == ID_AUTO ? "auto" : "deterministic");
	if (r.cfg.id_mode == ID_AUTO)
		relay_log(LOG_WARNING, "msg=\"automatic stream ids: a chunk re-sent after a crash is published twice; consumers must dedupe by eventId\"");
	MetricsLogMinute(&r.k, false);

	while (!relay_stop_requested)
	{
		int			p;
		int			handled = 0;
		bool		failed = false,
					waiting = false;

		if (relay_reload_requested)
		{
			relay_reload_requested = 0;
			LogReopen();
			relay_log(LOG_INFO, "msg=\"reopened the log file\"");
		}
		if (!ensure_pg(&r))
		{
			backoff(&r, "PostgreSQL unavailable");
			continue;
		}
		if (!ensure_redis(&r))
		{
			for (p = r.lo; p <= r.hi; p++)
				if (r.led[p] && NowSeconds() - r.progress_at[p] > r.cfg.unhealthy_after_ms / 1000.0)
					release_unhealthy(&r, p);
			backoff(&r, "Redis unavailable");
			continue;
		}
		if (NowSeconds() - r.last_lock_try > r.cfg.standby_retry_ms / 1000.0)
			try_locks(&r);

		for (p = r.lo; p <= r.hi && !relay_stop_requested; p++)
		{
			int			n;
			double		now;

			if (!r.led[p])
				continue;
			now = NowSeconds();
			/* Failing (not merely busy elsewhere) for --unhealthy-after: let go. */
			if (r.pfailures[p] > 0 && now - r.progress_at[p] > r.cfg.unhealthy_after_ms / 1000.0)
			{
				release_unhealthy(&r, p);
				continue;
			}
			if (now < r.retry_at[p])
			{
				waiting = true;
				continue;
			}
			if (RouterTakeSuspect(r.router, r.slot[p]))
				r.check_loss[p] = true;
			if (r.check_loss[p] && !recover_loss(&r, p))
			{
				if (!PgConnectionOk(r.pg))
				{
					failed = true;
					break;
				}
				waiting = true;
				partition_backoff(&r, p, "could not compare stream tops with the acknowledged position");
				continue;
			}
			n = relay_partition(&r, p);
			if (n == -2)
			{
				waiting = true;
				continue;
			}
			if (n < 0)
			{
				failed = true;
				break;
			}
			r.progress_at[p] = NowSeconds();
			handled += n;
		}
		MetricsLogMinute(&r.k, false);
		StatusCounters(&r.k);
		StatusLed(r.led, r.nparts);
		if (failed || handled > 0)
			continue;
		if (waiting)
		{
			/* Some partitions back off: wait for the first of them, at most a poll. */
			SleepMillis(next_retry_ms(&r));
			idle_ping(&r);
			continue;
		}
		/* A full round without failure: both servers answered. */
		progress(&r, false);
		if (r.cfg.once)
		{
			if (r.k.partitions_led < r.hi - r.lo + 1)
			{
				if (!once_wait_for_partitions(&r))
				{
					drop_pg(&r);
					return RELAY_EXIT_FAILURE;
				}
				continue;
			}
			break;
		}
		SleepMillis(r.cfg.poll_ms);
		idle_ping(&r);
	}
	/*
	 * A stop request finishes the batches claimed ahead too (publish, then
	 * a plain ack), so that a clean exit leaves no batch open.  If that
	 * fails, the batch stays open and the next relay claims it again.
	 */
	for (rc = r.lo; r.pending && rc <= r.hi; rc++)
		if (r.pending[rc].nevents > 0 && r.led[rc] && PgConnectionOk(r.pg) && r.router)
			(void) relay_partition(&r, rc);
	MetricsLogMinute(&r.k, true);
	relay_log(LOG_INFO, "msg=\"stopping\" published=%llu duplicates=%llu dead_letters=%llu",
			  (unsigned long long) r.k.events_published,
			  (unsigned long long) r.k.events_duplicate,
			  (unsigned long long) r.k.dead_letters);
	drop_redis(&r);
	drop_pg(&r);
	return RELAY_EXIT_OK;
}
