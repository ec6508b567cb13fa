/*
 * redis.c
 *		The Redis side of goodgo-relay: connect, publish one chunk, read
 *		every reply.
 *
 * A chunk is one claimed batch of one partition, sent pipelined as
 *
 *		MULTI, XADD <key> [MAXLEN ~ n] <batch_id>-<ord> eventId .. , ..., EXEC
 *
 * Every key of a partition carries the same hash tag {<prefix>:p<N>}, so
 * the chunk stays one transaction on a Redis Cluster too.  MULTI/EXEC makes
 * the chunk all-or-nothing for queue-time refusals (OOM, LOADING, ...):
 * Redis answers EXECABORT and nothing is written, so a retry can never
 * leave a hole or reorder a stream.
 *
 * Replies inside EXEC's array are checked one by one:
 *	- an id: published;
 *	- "equal or smaller than the target stream top item": the entry is
 *	  already published only if the stream holds that very id with the same
 *	  eventId (checked with XRANGE).  Otherwise the stream has another
 *	  writer: the entry is published with an automatic id ("*") and a
 *	  warning says so;
 *	- any other error (WRONGTYPE, ...): a permanent failure of that entry,
 *	  reported to the caller for relay_nack.
 * Events re-delivered by relay_replay or a dead-letter redrive ("replay"
 * rows) must never be taken for duplicates: when their id is refused they
 * go, with an automatic id, to the partition's replay stream
 * <family>:replay:{<prefix>:p<N>}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <sys/time.h>

#include "relay.h"

#define DUP_ERROR "equal or smaller than the target stream top item"

/*
 * Where a chunk goes: the slot owner's connection, or an ASK target's (then
 * every command is preceded by ASKING, which holds for one command, or for a
 * whole MULTI ... EXEC).
 */
typedef struct ChunkTarget
{
	redisContext *c;
	bool		asking;
} ChunkTarget;

/* Is this refusal a cluster redirect (handled by the caller, not an error)? */
static bool
redirect_error(const char *msg)
{
	return strncmp(msg, "MOVED ", 6) == 0 || strncmp(msg, "ASK ", 4) == 0;
}

/* Fields of one XADD, kept alive until the pipeline is written. */
typedef struct XaddArgs
{
	char		key[512];
	char		id[48];
	char		seq[24];
	char		maxlen[24];
} XaddArgs;

void
StreamKey(const RelayConfig *cfg, const char *family, int part, bool replay,
		  char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%s%s:{%s:p%d}", family, replay ? ":replay" : "",
			 cfg->stream_prefix, part);
}

/*
 * Log a failed Redis call and note it as a failure: an I/O error (c->err)
 * is transient, an error reply is classified by RedisErrorClass.
 */
static void
log_redis_error(const char *what, const redisContext *c, const redisReply *r)
{
	const char *reply = !c->err && r && r->type == REDIS_REPLY_ERROR ? r->str : NULL;
	const char *msg = c->err ? c->errstr : (reply ? reply : "unexpected reply");
	ErrorClass	cls = reply ? RedisErrorClass(reply) : ERRCLASS_TRANSIENT;
	char		line[600];

	relay_log(cls == ERRCLASS_PERMANENT ? LOG_ERROR : LOG_WARNING,
			  "msg=\"could not %s: %s\"", what, msg);
	snprintf(line, sizeof(line), "could not %s: %s", what, msg);
	NoteFailure(SERVER_REDIS, cls, line);
}

redisContext *
RedisConnect(const RelayConfig *cfg)
{
	return RedisConnectTarget(cfg, &cfg->redis);
}

/* Connect to t with cfg's timeout; AUTH, SELECT, PING.  NULL on failure (logged). */
redisContext *
RedisConnectTarget(const RelayConfig *cfg, const RedisTarget *t)
{
	struct timeval tv;
	redisContext *c;
	redisReply *r;

	tv.tv_sec = cfg->redis_timeout_ms / 1000;
	tv.tv_usec = (cfg->redis_timeout_ms % 1000) * 1000;
	if (t->unix_path)
		c = redisConnectUnixWithTimeout(t->unix_path, tv);
	else
		c = redisConnectWithTimeout(t->host, t->port, tv);
	if (c == NULL || c->err)
	{
		char		line[600];

		if (t->unix_path)
			snprintf(line, sizeof(line), "could not connect to Redis at %s: %s",
					 t->unix_path, c ? c->errstr : "out of memory");
		else
			snprintf(line, sizeof(line), "could not connect to Redis at %s:%d: %s",
					 t->host, t->port, c ? c->errstr : "out of memory");
		relay_log(LOG_WARNING, "msg=\"%s\"", line);
		NoteFailure(SERVER_REDIS, ERRCLASS_TRANSIENT, line);
		if (c)
			redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv);
	if (!t->unix_path)
		redisEnableKeepAlive(c);
	if (t->password)
	{
		if (t->user)
			r = redisCommand(c, "AUTH %s %s", t->user, t->password);
		else
			r = redisCommand(c, "AUTH %s", t->password);
		if (r == NULL || r->type == REDIS_REPLY_ERROR)
		{
			log_redis_error("authenticate to Redis", c, r);
			goto fail;
		}
		freeReplyObject(r);
	}
	if (t->db != 0)
	{
		r = redisCommand(c, "SELECT %d", t->db);
		if (r == NULL || r->type == REDIS_REPLY_ERROR)
		{
			log_redis_error("select the Redis database", c, r);
			goto fail;
		}
		freeReplyObject(r);
	}
	/* PING answers LOADING while Redis reads its dataset: not ready yet. */
	r = redisCommand(c, "PING");
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
	{
		log_redis_error("reach Redis", c, r);
		goto fail;
	}
	freeReplyObject(r);
	return c;

fail:
	if (r)
		freeReplyObject(r);
	redisFree(c);
	return NULL;
}

/* Append one XADD; id is "*" or an explicit id. */
static void
append_xadd(redisContext *c, const RelayConfig *cfg, const RelayEvent *e,
			XaddArgs *a, const char *key, const char *id)
{
	const char *argv[24];
	size_t		len[24];
	int			n = 0;

#define ARG(s, l) do { argv[n] = (s); len[n] = (l); n++; } while (0)
#define SARG(s) ARG((s), strlen(s))
	snprintf(a->key, sizeof(a->key), "%s", key);
	snprintf(a->id, sizeof(a->id), "%s", id);
	snprintf(a->seq, sizeof(a->seq), "%" PRId64, e->seq);
	SARG("XADD");
	SARG(a->key);
	if (cfg->maxlen > 0)
	{
		snprintf(a->maxlen, sizeof(a->maxlen), "%ld", cfg->maxlen);
		SARG("MAXLEN");
		SARG("~");
		SARG(a->maxlen);
	}
	SARG(a->id);
	SARG("eventId");
	SARG(e->event_id);
	SARG("eventType");
	SARG(e->event_type);
	SARG("aggregateId");
	SARG(e->aggregate_id);
	SARG("seq");
	SARG(a->seq);
	if (e->replay)
	{
		SARG("replay");
		SARG("1");
	}
	/* The version of the payload's schema, when one validated it. */
	if (e->payload_version != NULL)
	{
		SARG("payloadVersion");
		SARG(e->payload_version);
	}
	SARG("envelope");
	ARG(e->envelope, e->envelope_len);
#undef SARG
#undef ARG
	redisAppendCommandArgv(c, n, argv, len);
}

/*
 * Send MULTI, the given XADDs, EXEC; read every reply.  On success *exec is
 * EXEC's array (caller frees).  Returns PUBLISH_OK, _RETRY or _RECONNECT.
 */
static PublishResult
send_chunk(ChunkTarget *t, const RelayConfig *cfg, const RelayBatch *batch,
		   const int *which, int n, XaddArgs *args, char **keys, char **ids,
		   redisReply **exec, char *firsterr, size_t errlen)
{
	redisContext *c = t->c;
	redisReply *r = NULL;
	int			i;
	bool		refused = false;

	*exec = NULL;
	firsterr[0] = '\0';
	if (t->asking)
	{
		redisAppendCommand(c, "ASKING");
		if (redisGetReply(c, (void **) &r) != REDIS_OK || r == NULL)
		{
			relay_log(LOG_WARNING, "msg=\"could not read a reply from Redis: %s\"", c->errstr);
			return PUBLISH_RECONNECT;
		}
		freeReplyObject(r);
	}
	redisAppendCommand(c, "MULTI");
	for (i = 0; i < n; i++)
		append_xadd(c, cfg, &batch->events[which[i]], &args[i], keys[i], ids[i]);
	redisAppendCommand(c, "EXEC");

	/* MULTI, n queued replies, EXEC: read them all to keep the stream in step. */
	for (i = 0; i < n + 2; i++)
	{
		if (redisGetReply(c, (void **) &r) != REDIS_OK || r == NULL)
		{
			log_redis_error("read a reply from Redis", c, NULL);
			return PUBLISH_RECONNECT;
		}
		if (i < n + 1)
		{
			if (r->type == REDIS_REPLY_ERROR)
			{
				refused = true;
				if (firsterr[0] == '\0')
					snprintf(firsterr, errlen, "%s", r->str);
			}
			freeReplyObject(r);
			continue;
		}
		/* EXEC */
		if (r->type == REDIS_REPLY_ARRAY && !refused && r->elements == (size_t) n)
		{
			*exec = r;
			return PUBLISH_OK;
		}
		if (r->type == REDIS_REPLY_ERROR && (firsterr[0] == '\0' ||
											 strncmp(firsterr, "EXECABORT", 9) == 0))
			snprintf(firsterr, errlen, "%s", r->str);
		freeReplyObject(r);
	}
	if (strncmp(firsterr, "READONLY", 8) == 0)
	{
		/*
		 * The node is a replica now (a failover demoted it): reconnect, which
		 * asks the Sentinels for the master again, or reloads the slot map.
		 */
		char		line[600];

		snprintf(line, sizeof(line), "Redis node is a replica now, reconnecting: %s", firsterr);
		relay_log(LOG_WARNING, "msg=\"%s\" batch=%" PRId64 " partition=%d", line, batch->batch_id, batch->part);
		NoteFailure(SERVER_REDIS, ERRCLASS_TRANSIENT, line);
		return PUBLISH_RECONNECT;
	}
	if (redirect_error(firsterr))
	{
		/* MOVED/ASK: the caller follows it at once; not a failure. */
		relay_log(LOG_DEBUG, "msg=\"chunk of batch %" PRId64 " of partition %d redirected: %s\"",
				  batch->batch_id, batch->part, firsterr);
		return PUBLISH_RETRY;
	}
	{
		ErrorClass	cls = firsterr[0] ? RedisErrorClass(firsterr) : ERRCLASS_TRANSIENT;
		char		line[600];

		snprintf(line, sizeof(line), "could not publish chunk of batch %" PRId64 " of partition %d: %s",
				 batch->batch_id, batch->part, firsterr[0] ? firsterr : "unexpected EXEC reply");
		relay_log(cls == ERRCLASS_PERMANENT ? LOG_ERROR : LOG_WARNING,
				  "msg=\"%s\" retry=true", line);
		NoteFailure(SERVER_REDIS, cls, line);
	}
	return PUBLISH_RETRY;
}

/*
 * Does the stream hold id with this eventId?  1 yes, 0 no, -1 I/O error,
 * -2 an error reply (a redirect, copied into err; NOPERM for XRANGE, ...:
 * logged and noted).  The checks of a chunk are pipelined by the caller:
 * this reads one reply.
 */
static int
read_holds(redisContext *c, const char *event_id, char *err, size_t errlen)
{
	redisReply *r = NULL;
	int			found = 0;

	if (redisGetReply(c, (void **) &r) != REDIS_OK || r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ERROR)
	{
		snprintf(err, errlen, "%s", r->str);
		if (!redirect_error(r->str))
			log_redis_error("check an entry Redis refused as already there", c, r);
		freeReplyObject(r);
		return -2;
	}
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
		r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements == 2)
	{
		redisReply *fields = r->element[0]->element[1];
		size_t		i;

		for (i = 0; fields->type == REDIS_REPLY_ARRAY && i + 1 < fields->elements; i += 2)
			if (strcmp(fields->element[i]->str, "eventId") == 0 &&
				strcmp(fields->element[i + 1]->str, event_id) == 0)
				found = 1;
	}
	freeReplyObject(r);
	return found;
}

static PublishResult
publish_chunk(ChunkTarget *t, const RelayConfig *cfg, const RelayBatch *batch,
			  EntryFailure *failures, int *nfailures, RelayCounters *counters,
			  char *err, size_t errlen)
{
	redisContext *c = t->c;
	int			n = batch->nevents;
	XaddArgs   *args = calloc(n, sizeof(XaddArgs));
	char	  **keys = calloc(n, sizeof(char *));
	char	  **ids = calloc(n, sizeof(char *));
	int		   *which = calloc(n, sizeof(int));
	int		   *refused = calloc(n, sizeof(int));
	int		   *fallback = calloc(n, sizeof(int));
	char	   *keybuf = malloc((size_t) n * 512);
	char	   *idbuf = malloc((size_t) n * 48);
	int			nrefused = 0,
				nfallback = 0,
				nsend = 0;
	char	  **skeys = calloc(n, sizeof(char *));
	char	  **sids = calloc(n, sizeof(char *));
	int			i,
				j;
	redisReply *exec = NULL;
	PublishResult result;
	int64_t		newest_ms = 0;

	*nfailures = 0;
	for (i = 0; i < n; i++)
	{
		const RelayEvent *e = &batch->events[i];
		char		fam[400];
		const char *family = RouteFamily(cfg, e->event_type,
										 StreamFamily(e->stream, fam, sizeof(fam)));

		keys[i] = keybuf + (size_t) i * 512;
		ids[i] = idbuf + (size_t) i * 48;
		if (strchr(family, '{') || strchr(family, '}'))
		{
			/* A brace would break the partition's hash tag: never publish. */
			failures[*nfailures].index = i;
			snprintf(failures[*nfailures].error, sizeof(failures[0].error),
					 "stream name \"%s\" contains a brace", family);
			(*nfailures)++;
			continue;
		}
		StreamKey(cfg, family, batch->part, false, keys[i], 512);
		if (cfg->id_mode == ID_AUTO)
			snprintf(ids[i], 48, "*");
		else
			snprintf(ids[i], 48, "%" PRId64 "-%d", e->batch_id, e->ord);
		which[nsend] = i;
		skeys[nsend] = keys[i];
		sids[nsend] = ids[i];
		nsend++;
	}

	if (nsend > 0)
		result = send_chunk(t, cfg, batch, which, nsend, args, skeys, sids, &exec, err, errlen);
	else
		result = PUBLISH_OK;
	if (result != PUBLISH_OK)
		goto done;

	for (j = 0; j < nsend; j++)
	{
		redisReply *r = exec->element[j];

		i = which[j];

		if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
		{
			counters->events_published++;
			if (batch->events[i].replay)
				counters->events_replayed++;
			continue;
		}
		if (r->type == REDIS_REPLY_ERROR && strstr(r->str, DUP_ERROR) != NULL &&
			cfg->id_mode == ID_DETERMINISTIC)
		{
			refused[nrefused++] = i;
			continue;
		}
		failures[*nfailures].index = i;
		snprintf(failures[*nfailures].error, sizeof(failures[0].error), "%s",
				 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply to XADD");
		/* The first few of a chunk in full, then one line for the rest. */
		if (*nfailures < 3)
			relay_log(LOG_WARNING, "msg=\"could not publish event %s to stream \\\"%s\\\": %s\"",
					  batch->events[i].event_id, keys[i], failures[*nfailures].error);
		(*nfailures)++;
	}
	if (exec)
		freeReplyObject(exec);
	exec = NULL;
	if (*nfailures > 3)
		relay_log(LOG_WARNING, "msg=\"could not publish %d more events of batch %" PRId64 " of partition %d\"",
				  *nfailures - 3, batch->batch_id, batch->part);

	/* Refused ids: already there (a replayed chunk), or another writer? */
	if (nrefused > 0)
	{
		int			hold_error = 0;

		for (i = 0; i < nrefused; i++)
		{
			if (t->asking)
				redisAppendCommand(c, "ASKING");
			redisAppendCommand(c, "XRANGE %s %s %s COUNT 1", keys[refused[i]],
							   ids[refused[i]], ids[refused[i]]);
		}
		for (i = 0; i < nrefused; i++)
		{
			const RelayEvent *e = &batch->events[refused[i]];
			int			h;

			if (t->asking)
			{
				redisReply *ar = NULL;

				if (redisGetReply(c, (void **) &ar) != REDIS_OK || ar == NULL)
				{
					relay_log(LOG_WARNING, "msg=\"could not read a reply from Redis: %s\"", c->errstr);
					result = PUBLISH_RECONNECT;
					goto done;
				}
				freeReplyObject(ar);
			}
			h = read_holds(c, e->event_id, err, errlen);
			if (h == -2)
			{
				/* Read every reply, then retry the chunk (a redirect, most likely). */
				hold_error = 1;
				continue;
			}
			if (hold_error)
				continue;
			if (h < 0)
			{
				log_redis_error("read a reply from Redis", c, NULL);
				result = PUBLISH_RECONNECT;
				goto done;
			}
			if (h == 1 && !e->replay)
			{
				counters->events_duplicate++;
				continue;
			}
			if (!e->replay)
				relay_log(LOG_WARNING,
						  "msg=\"stream \\\"%s\\\" has another writer: its top is beyond id %s; publishing event %s with an automatic id\"",
						  keys[refused[i]], ids[refused[i]], e->event_id);
			fallback[nfallback++] = refused[i];
		}
		if (hold_error)
		{
			relay_log(redirect_error(err) ? LOG_DEBUG : LOG_WARNING,
					  "msg=\"could not check the entries of batch %" PRId64 " of partition %d already in Redis: %s\" retry=true",
					  batch->batch_id, batch->part, err);
			result = PUBLISH_RETRY;
			goto done;
		}
	}

	/* Fallbacks: automatic ids; replays into the partition's replay stream. */
	if (nfallback > 0)
	{
		for (i = 0; i < nfallback; i++)
		{
			const RelayEvent *e = &batch->events[fallback[i]];
			char		fam[400];
			const char *family = RouteFamily(cfg, e->event_type,
											 StreamFamily(e->stream, fam, sizeof(fam)));

			if (e->replay)
				StreamKey(cfg, family, batch->part, true, keys[fallback[i]], 512);
			snprintf(ids[fallback[i]], 48, "*");
		}
		{
			char	  **fkeys = calloc(nfallback, sizeof(char *));
			char	  **fids = calloc(nfallback, sizeof(char *));

			for (i = 0; i < nfallback; i++)
			{
				fkeys[i] = keys[fallback[i]];
				fids[i] = ids[fallback[i]];
			}
			result = send_chunk(t, cfg, batch, fallback, nfallback, args, fkeys, fids, &exec,
								err, errlen);
			free(fkeys);
			free(fids);
		}
		if (result != PUBLISH_OK)
			goto done;
		for (i = 0; i < nfallback; i++)
		{
			redisReply *r = exec->element[i];

			if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
			{
				counters->events_published++;
				if (batch->events[fallback[i]].replay)
					counters->events_replayed++;
				continue;
			}
			failures[*nfailures].index = fallback[i];
			snprintf(failures[*nfailures].error, sizeof(failures[0].error), "%s",
					 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply to XADD");
			(*nfailures)++;
		}
		freeReplyObject(exec);
		exec = NULL;
	}

	for (i = 0; i < n; i++)
	{
		int64_t		ms = UuidV7Millis(batch->events[i].event_id);

		if (ms > newest_ms)
			newest_ms = ms;
	}
	if (newest_ms > 0)
		counters->lag_seconds = (NowMillis() - newest_ms) / 1000.0;
	result = *nfailures > 0 ? PUBLISH_ENTRY_FAILED : PUBLISH_OK;

	/*
	 * --wait-replicas: the chunk counts as published only once that many
	 * replicas have it.  Otherwise it is sent again later; its entries are
	 * then refused as duplicates and found in place, and WAIT asked again.
	 */
	if (cfg->wait_replicas > 0 && nsend > 0)
	{
		redisReply *w = redisCommand(c, "WAIT %d %d", cfg->wait_replicas, cfg->wait_timeout_ms);

		if (w == NULL)
		{
			relay_log(LOG_WARNING, "msg=\"could not read a reply from Redis: %s\"", c->errstr);
			result = PUBLISH_RECONNECT;
			goto done;
		}
		if (w->type != REDIS_REPLY_INTEGER || w->integer < cfg->wait_replicas)
		{
			relay_log(LOG_WARNING, "msg=\"too few replicas acknowledged the chunk: sending it again later\" partition=%d batch=%" PRId64 " replicas=%lld wanted=%d",
					  batch->part, batch->batch_id,
					  w->type == REDIS_REPLY_INTEGER ? (long long) w->integer : -1LL,
					  cfg->wait_replicas);
			snprintf(err, errlen, "%s", w->type == REDIS_REPLY_ERROR ? w->str : "NOREPLICAS");
			result = PUBLISH_RETRY;
		}
		freeReplyObject(w);
	}

done:
	if (exec)
		freeReplyObject(exec);
	free(args);
	free(keys);
	free(ids);
	free(which);
	free(skeys);
	free(sids);
	free(refused);
	free(fallback);
	free(keybuf);
	free(idbuf);
	return result;
}

/* Escape glob characters for SCAN MATCH. */
static void
glob_escape(const char *s, char *out, size_t outlen)
{
	size_t		j = 0;

	for (; *s && j + 2 < outlen; s++)
	{
		if (strchr("*?[]\\", *s))
			out[j++] = '\\';
		out[j++] = *s;
	}
	out[j] = '\0';
}

/* Parse an entry id "<batch>-<ord>" into pos. */
static void
parse_entry_id(const char *id, StreamPos *pos)
{
	char	   *end;

	pos->batch = strtoll(id, &end, 10);
	pos->ord = *end == '-' ? atoi(end + 1) : 0;
}

/*
 * The highest entry id (batch, ord) found at the top of the partition's
 * streams (its replay streams excepted), (0, 0) when it has none.  Every
 * chunk is one MULTI/EXEC and chunks are written in (batch, ord) order, so
 * whatever a Redis restored from a snapshot or a promoted replica holds is
 * a prefix of what was published: everything after this position was lost.
 * 0 ok, -1 I/O error (the reply is logged).
 */
/*
 * Read the tops of the partition's streams on one node into *top (the
 * highest wins).  asking: the node is importing the slot (ASKING before each
 * read).  0 ok, -1 failed (logged; a broken connection is reported to the
 * router, a redirect followed).
 */
static int
scan_tops(Router *rt, redisContext *c, int node, int slot, bool asking,
		  const char *pattern, const char *suffix, StreamPos *top)
{
	char		cursor[32] = "0";
	redisReply *r;

	do
	{
		size_t		i;

		r = redisCommand(c, "SCAN %s MATCH %s COUNT 1000", cursor, pattern);
		if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2)
		{
			log_redis_error("scan the partition's streams", c, r);
			if (r)
				freeReplyObject(r);
			else
				RouterNodeFailed(rt, node);
			return -1;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		for (i = 0; i < r->element[1]->elements; i++)
		{
			const char *key = r->element[1]->element[i]->str;
			size_t		kl = strlen(key),
						sl = strlen(suffix);
			redisReply *t = NULL;

			if (kl >= sl && strcmp(key + kl - sl, suffix) == 0)
				continue;
			if (asking)
			{
				redisAppendCommand(c, "ASKING");
				if (redisGetReply(c, (void **) &t) == REDIS_OK && t != NULL)
					freeReplyObject(t);
				t = NULL;
			}
			t = redisCommand(c, "XREVRANGE %s + - COUNT 1", key);
			/* A key of the pattern that is not a stream holds no entry of ours. */
			if (t != NULL && t->type == REDIS_REPLY_ERROR && strncmp(t->str, "WRONGTYPE", 9) == 0)
			{
				freeReplyObject(t);
				continue;
			}
			if (t == NULL || t->type == REDIS_REPLY_ERROR)
			{
				/* A key moving away (MOVED/ASK): compare again later. */
				int			other;

				log_redis_error("read the top of a stream", c, t);
				if (t == NULL)
					RouterNodeFailed(rt, node);
				else
				{
					RouterRedirect(rt, slot, t->str, &other);
					freeReplyObject(t);
				}
				freeReplyObject(r);
				return -1;
			}
			if (t->type == REDIS_REPLY_ARRAY && t->elements == 1 &&
				t->element[0]->type == REDIS_REPLY_ARRAY)
			{
				StreamPos	p;

				parse_entry_id(t->element[0]->element[0]->str, &p);
				if (StreamPosCmp(&p, top) > 0)
					*top = p;
			}
			freeReplyObject(t);
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

int
RedisPartitionTop(Router *rt, const RelayConfig *cfg, int part, StreamPos *top)
{
	char		prefix[300];
	char		pattern[400];
	char		suffix[320];
	int			slot = PartitionSlot(cfg, part),
				node,
				importer;
	redisContext *c = RouterGet(rt, slot, &node);

	top->batch = 0;
	top->ord = 0;
	if (c == NULL)
		return -1;
	glob_escape(cfg->stream_prefix, prefix, sizeof(prefix));
	snprintf(pattern, sizeof(pattern), "*:{%s:p%d}", prefix, part);
	snprintf(suffix, sizeof(suffix), ":replay:{%s:p%d}", cfg->stream_prefix, part);
	if (scan_tops(rt, c, node, slot, false, pattern, suffix, top) != 0)
		return -1;

	/*
	 * A slot in migration has its keys on two nodes: those already moved are
	 * on the importing node.  Reading the source alone would under-read the
	 * top and raise a false "lost" alarm.
	 */
	importer = RouterMigratingTo(rt, node, slot);
	if (importer >= 0)
	{
		redisContext *ic = RouterNode(rt, importer);

		if (ic == NULL)
			return -1;
		if (scan_tops(rt, ic, importer, slot, true, pattern, suffix, top) != 0)
			return -1;
	}
	return 0;
}

/*
 * Publish a claimed batch as consecutive MULTI/EXEC chunks of at most
 * --batch entries, each sent only after the previous one's EXEC answered.
 * A chunk that fails stops the batch there, so no later chunk can overtake
 * it: the resend (the claim returns the same batch) finds the earlier
 * chunks in place ("equal or smaller", same eventId) and goes on from the
 * failed one.  This keeps Redis's atomic unit small while a claim may be
 * large (a claim's cost grows with the window it picks from).
 * Per-entry failures of every chunk are collected with their batch index.
 */
/*
 * Publish one chunk on the owner of its partition's slot.  MOVED: the map
 * is updated and the chunk sent to the new owner; ASK: sent once more to the
 * importing node after ASKING.  A few hops at most, then a retry later.
 * PUBLISH_RECONNECT when the owner cannot be reached (its connection is
 * dropped by the router): only this partition waits.
 */
static PublishResult
publish_routed(Router *rt, const RelayConfig *cfg, const RelayBatch *batch,
			   EntryFailure *failures, int *nfailures, RelayCounters *counters)
{
	int			slot = PartitionSlot(cfg, batch->part);
	int			node = -1,
				hops;
	ChunkTarget t = {NULL, false};
	char		err[256];

	for (hops = 0;; hops++)
	{
		PublishResult pr;
		RedirectKind kind;
		int			target;

		if (!t.asking)
			t.c = RouterGet(rt, slot, &node);
		if (t.c == NULL)
		{
			char		name[300];

			relay_log(LOG_DEBUG, "msg=\"no reachable Redis node owns the partition's slot\" partition=%d slot=%d node=%s",
					  batch->part, slot, RouterNodeName(rt, node, name, sizeof(name)));
			return PUBLISH_RECONNECT;
		}
		/* Nothing goes to a node that may have lost entries before the check. */
		if (RouterIsSuspect(rt, slot))
			return PUBLISH_SUSPECT;
		err[0] = '\0';
		pr = publish_chunk(&t, cfg, batch, failures, nfailures, counters, err, sizeof(err));
		if (pr == PUBLISH_RECONNECT)
		{
			RouterNodeFailed(rt, node);
			return pr;
		}
		if (pr != PUBLISH_RETRY || hops >= 5)
			return pr;
		kind = RouterRedirect(rt, slot, err, &target);
		if (kind == REDIRECT_MOVED)
		{
			t.asking = false;
			continue;
		}
		if (kind == REDIRECT_ASK && !t.asking)
		{
			relay_log(LOG_DEBUG, "msg=\"slot being imported: ASKING the importing node\" partition=%d slot=%d",
					  batch->part, slot);
			t.c = RouterNode(rt, target);
			node = target;
			t.asking = true;
			if (t.c == NULL)
				return PUBLISH_RECONNECT;
			continue;
		}
		return pr;
	}
}

PublishResult
RedisPublish(Router *rt, const RelayConfig *cfg, const RelayBatch *batch,
			 EntryFailure *failures, int *nfailures, RelayCounters *counters)
{
	int			off;
	bool		entry_failed = false;

	*nfailures = 0;
	for (off = 0; off < batch->nevents; off += cfg->batch)
	{
		RelayBatch	chunk = *batch;
		int			nf = 0,
					i;
		PublishResult pr;

		chunk.res = NULL;
		chunk.events = batch->events + off;
		chunk.nevents = batch->nevents - off < cfg->batch ? batch->nevents - off : cfg->batch;
		pr = publish_routed(rt, cfg, &chunk, failures + *nfailures, &nf, counters);
		for (i = 0; i < nf; i++)
			failures[*nfailures + i].index += off;
		*nfailures += nf;
		if (pr == PUBLISH_ENTRY_FAILED)
			entry_failed = true;
		else if (pr != PUBLISH_OK)
			return pr;
	}
	return entry_failed ? PUBLISH_ENTRY_FAILED : PUBLISH_OK;
}
