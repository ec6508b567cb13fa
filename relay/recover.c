/*
 * recover.c
 *		Verify and repair one partition's streams after Redis lost data (a
 *		restart from an older snapshot, a replica promoted before it had
 *		everything, a restart without persistence).
 *
 * Entry ids are <batch_id>-<ord> and chunks are written in that order, each
 * one MULTI/EXEC, so what a Redis brought back holds is a prefix of what
 * was published: the highest id at the top of the partition's streams (the
 * "stream top") says where the loss starts, to the entry, even when it cuts
 * a batch between two of its chunks.  The acknowledged batches after it are
 * read back with relay_replay (original batch ids and ords) and published
 * again from the top batch on: the entries at or below the top are refused
 * by Redis ("equal or smaller than the target stream top item") and count
 * as already published when XRANGE finds the same eventId there (redis.c),
 * the lost ones take their original ids again.  The caller runs this before
 * it publishes anything newer on the partition, so a repaired stream is as
 * if nothing had been lost.
 *
 * RecoverPartition reaches the partition's streams through the router
 * (cluster.c): every key of a partition carries its hash tag, so the node
 * that owns that slot holds them all, on a Redis Cluster too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

#include "relay.h"

RecoverResult
RecoverPartition(Router *rt, PGconn *pg, const RelayConfig *cfg, int part,
				 RelayCounters *k)
{
	StreamPos	top,
				newest;
	int64_t		last;
	RelayBatch	all;
	int			n,
				i,
				restored = 0,
				failed = 0;
	uint64_t	published_before;
	RecoverResult result = RECOVER_OK;

	if (cfg->id_mode != ID_DETERMINISTIC)
		return RECOVER_OK;		/* automatic ids: nothing to compare */
	if (RedisPartitionTop(rt, cfg, part, &top) != 0)
		return RECOVER_REDIS_FAILED;
	if (PgLastBatch(pg, cfg->relay_name, part, &last) != 0)
		return RECOVER_PG_FAILED;
	/* Nothing acknowledged, or Redis holds a batch after the last ack. */
	if (last == 0 || top.batch > last)
		return RECOVER_OK;

	/*
	 * The acknowledged entries from the top batch on: when the newest of
	 * them is the stream top (or below it), nothing was lost.  This reads at
	 * most one batch when nothing was lost.
	 */
	n = PgReplay(pg, cfg->relay_name, part, top.batch, &all);
	if (n < 0)
		return RECOVER_PG_FAILED;
	if (n == 0)
	{
		if (top.batch < last)
			relay_log(LOG_ERROR,
					  "msg=\"events Redis lost are no longer retained in the outbox: they cannot be published again\" partition=%d stream_top=%" PRId64 "-%d acked_batch=%" PRId64,
					  part, top.batch, top.ord, last);
		return RECOVER_OK;
	}
	newest.batch = all.events[n - 1].batch_id;
	newest.ord = all.events[n - 1].ord;
	if (StreamPosCmp(&newest, &top) <= 0)
	{
		BatchFree(&all);
		return RECOVER_OK;
	}
	relay_log(LOG_WARNING,
			  "msg=\"Redis lost published events: publishing them again\" partition=%d stream_top=%" PRId64 "-%d acked=%" PRId64 "-%d",
			  part, top.batch, top.ord, newest.batch, newest.ord);
	if (top.batch > 0 && all.events[0].batch_id > top.batch)
		relay_log(LOG_ERROR,
				  "msg=\"the rest of the batch at the stream top is no longer retained in the outbox: its events after the top cannot be published again\" partition=%d stream_top=%" PRId64 "-%d first_retained_batch=%" PRId64,
				  part, top.batch, top.ord, all.events[0].batch_id);

	published_before = k->events_published;
	for (i = 0; i < n; i += cfg->batch)
	{
		RelayBatch	slice = all;
		EntryFailure *failures;
		int			nfail = 0,
					j;
		PublishResult pr;

		slice.res = NULL;
		slice.events = all.events + i;
		slice.nevents = n - i < cfg->batch ? n - i : cfg->batch;
		slice.batch_id = slice.events[0].batch_id;
		for (j = 0; j < slice.nevents; j++)
			slice.events[j].replay = false; /* the same entries, restored */
		failures = calloc(slice.nevents, sizeof(EntryFailure));
		pr = RedisPublish(rt, cfg, &slice, failures, &nfail, k);
		/*
		 * An entry that fails for good now failed when it was first
		 * published too (it is a dead letter): it stays out, as it was.
		 */
		for (j = 0; j < nfail && pr == PUBLISH_ENTRY_FAILED; j++)
			relay_log(LOG_WARNING,
					  "msg=\"could not restore event %s: %s\" partition=%d batch=%" PRId64,
					  slice.events[failures[j].index].event_id, failures[j].error,
					  part, slice.events[failures[j].index].batch_id);
		failed += pr == PUBLISH_ENTRY_FAILED ? nfail : 0;
		free(failures);
		if (pr == PUBLISH_RECONNECT || pr == PUBLISH_RETRY || pr == PUBLISH_SUSPECT)
		{
			relay_log(LOG_WARNING, "msg=\"could not restore lost events of partition %d: Redis failed, checking again\"",
					  part);
			result = RECOVER_REDIS_FAILED;
			break;
		}
	}
	BatchFree(&all);
	restored = (int) (k->events_published - published_before);
	k->events_replayed += restored;
	if (result != RECOVER_OK)
		return result;
	k->loss_recoveries++;
	relay_log(LOG_INFO, "msg=\"restored lost events\" partition=%d events=%d already_there=%d failed=%d",
			  part, restored, n - restored - failed, failed);
	return RECOVER_OK;
}
