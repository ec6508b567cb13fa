/*
 * relay.h
 *		Declarations shared by the modules of goodgo-relay.
 *
 * goodgo-relay is a frontend program: it talks to PostgreSQL only through
 * the public relay SQL API of goodgo_events (relay_lock, relay_claim,
 * relay_ack, relay_ack_claim, relay_nack, relay_position, relay_replay,
 * relay_lag, outbox_partitions) and to Redis through hiredis.  The modules
 * are:
 *
 *	config.c	command line, environment, redis:// URLs, routing rules
 *	pg.c		the PostgreSQL side: connect, lock, claim, ack, nack, replay
 *	redis.c		the Redis side: connect, publish a chunk, check replies
 *	cluster.c	routing: the node that owns a key's slot (Redis Cluster), MOVED/ASK
 *	recover.c	after a Redis restart or failover: find and re-publish lost entries
 *	status.c	failures classified permanent or transient; the status shared
 *				with the metrics thread (under a mutex)
 *	metrics.c	counters, the per-minute log line; the Prometheus listener and
 *				the lag monitor, each a thread that never waits on the main
 *				loop's connections
 *	util.c		logging, clocks, jittered backoff, signal flags
 *	main.c		the loop that ties them together
 */
#ifndef GOODGO_RELAY_H
#define GOODGO_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <pthread.h>

#include <libpq-fe.h>
#include <hiredis/hiredis.h>

#ifndef RELAY_VERSION
#define RELAY_VERSION "unknown"
#endif

#define RELAY_PROGNAME "goodgo-relay"

/*
 * Exit codes: 0 done, 1 a permanent error (or, with --once, no progress for
 * --once-timeout seconds), 2 bad usage.
 */
#define RELAY_EXIT_OK		0
#define RELAY_EXIT_FAILURE	1
#define RELAY_EXIT_USAGE	2

/* Log levels, lowest is most verbose. */
typedef enum LogLevel
{
	LOG_DEBUG = 0,
	LOG_INFO,
	LOG_WARNING,
	LOG_ERROR
} LogLevel;

/* How stream entry ids are chosen. */
typedef enum IdMode
{
	ID_DETERMINISTIC,			/* <batch_id>-<ord>: replays are refused by Redis */
	ID_AUTO						/* "*": for streams that have other writers */
} IdMode;

/* One --route rule: event types matching pattern go to stream family. */
typedef struct Route
{
	char	   *pattern;		/* exact type, or a prefix followed by '*' */
	char	   *family;
} Route;

/* Where Redis is. */
typedef struct RedisTarget
{
	char	   *host;			/* NULL when unix_path is set */
	int			port;
	char	   *unix_path;
	char	   *user;			/* ACL user, or NULL */
	char	   *password;		/* or NULL */
	int			db;
	/* redis-sentinel://: the master's name and the Sentinels to ask */
	char	   *sentinel_master;	/* NULL: not Sentinel */
	int			nsentinels;
	char	  **sentinel_host;
	int		   *sentinel_port;
} RedisTarget;

typedef struct RelayConfig
{
	char	   *db;				/* libpq conninfo; NULL: PG* variables */
	char	   *redis_url;
	RedisTarget redis;			/* the first seed */
	RedisTarget *seeds;			/* every --redis given, redis first */
	int			nseeds;
	char	   *relay_name;
	char	   *stream_prefix;
	char	   *default_family;
	Route	   *routes;
	int			nroutes;
	int			batch;
	int			batch_max;		/* claims grow up to this under a backlog */
	int			poll_ms;
	long		maxlen;			/* 0: no trimming */
	bool		once;
	int			once_timeout_s; /* --once gives up after this long without progress */
	int			metrics_port;	/* 0: off */
	IdMode		id_mode;
	bool		overlap;		/* peek the next batch while publishing */
	int			part_lo;		/* -1: every partition */
	int			part_hi;
	int			redis_timeout_ms;
	int			backoff_max_ms;
	int			standby_retry_ms;
	int			wait_replicas;	/* WAIT n after each chunk; 0: off */
	int			wait_timeout_ms;
	int			unhealthy_after_ms; /* release partitions that made no progress that long */
	LogLevel	log_level;
	char	   *log_file;
} RelayConfig;

/* One event as relay_claim returned it (pointers into the PGresult). */
typedef struct RelayEvent
{
	int64_t		batch_id;
	int			ord;
	int64_t		seq;
	const char *event_id;
	const char *event_type;
	const char *aggregate_id;	/* "" when NULL */
	const char *stream;			/* "" when NULL */
	const char *envelope;
	size_t		envelope_len;
	int			attempts;
	bool		replay;			/* re-delivered by relay_replay or a redrive */
	const char *payload_version;	/* schema_version; NULL when none (or a
									 * 1.1 extension, whose rows have none) */
} RelayEvent;

/* One claimed batch of one partition. */
typedef struct RelayBatch
{
	int			part;
	int64_t		batch_id;
	int			nevents;
	int			asked;			/* max_events of the claim that returned it */
	RelayEvent *events;
	PGresult   *res;			/* owns the strings */
} RelayBatch;

/* A relay_peek in flight: its result is read by a thread of its own. */
typedef struct PeekJob
{
	PGconn	   *conn;
	PGresult   *res;
	pthread_t	thread;
	bool		threaded;
} PeekJob;

/* A deterministic stream entry id: <batch_id>-<ord>. */
typedef struct StreamPos
{
	int64_t		batch;
	int			ord;
} StreamPos;

static inline int
StreamPosCmp(const StreamPos *a, const StreamPos *b)
{
	if (a->batch != b->batch)
		return a->batch < b->batch ? -1 : 1;
	return a->ord < b->ord ? -1 : (a->ord > b->ord ? 1 : 0);
}

/* Outcome of the loss check of one partition (recover.c). */
typedef enum RecoverResult
{
	RECOVER_OK,					/* Redis holds every acknowledged entry (again) */
	RECOVER_REDIS_FAILED,		/* Redis call failed: reconnect, check again */
	RECOVER_PG_FAILED			/* PostgreSQL call failed: check again */
} RecoverResult;

/* Outcome of publishing a batch to Redis. */
typedef enum PublishResult
{
	PUBLISH_OK,					/* every entry is in its stream (or dead-lettered) */
	PUBLISH_RETRY,				/* transient: back off, then resend the batch */
	PUBLISH_RECONNECT,			/* connection lost: reconnect, resend the batch */
	PUBLISH_ENTRY_FAILED,		/* some entries failed permanently: nack them */
	PUBLISH_SUSPECT				/* the slot's node is new or came back: compare the
								 * stream tops with the acked position first */
} PublishResult;

/* Per-entry failure kept for relay_nack. */
typedef struct EntryFailure
{
	int			index;			/* into RelayBatch.events */
	char		error[256];
} EntryFailure;

/* Counters, exported to the log and to Prometheus. */
typedef struct RelayCounters
{
	uint64_t	events_published;
	uint64_t	events_duplicate;
	uint64_t	events_replayed;
	uint64_t	batches;
	uint64_t	retries;
	uint64_t	dead_letters;
	uint64_t	nacks;
	uint64_t	redis_reconnects;
	uint64_t	pg_reconnects;
	uint64_t	loss_recoveries;
	uint64_t	batches_peeked;	/* read while Redis took the previous batch */
	int			partitions_led;
	double		lag_seconds;	/* now - eventId time of the newest event published */
	double		last_batch_ms;
} RelayCounters;

/* --partitions takes 0..1023. */
#define RELAY_MAX_PARTITIONS 1024

/* Which server a failure came from. */
typedef enum RelayServer
{
	SERVER_REDIS,
	SERVER_POSTGRES
} RelayServer;

/* Can a retry fix it?  (status.c) */
typedef enum ErrorClass
{
	ERRCLASS_TRANSIENT,			/* connection refused or lost, timeout, LOADING, ... */
	ERRCLASS_PERMANENT			/* authentication, permission, missing database or extension */
} ErrorClass;

/* The shared status: written by the main loop, read by the metrics thread. */
typedef struct RelayStatus
{
	bool		redis_up;
	bool		postgres_up;
	double		last_publish_at;	/* Unix time of the last acked batch, 0: none */
	uint64_t	consecutive_failures;
	uint64_t	failures_total;
	/* The failure noted since the last progress (NoteFailure). */
	bool		failure_noted;
	ErrorClass	failure_class;
	RelayServer failure_server;
	char		failure_message[512];
	/* The last failure backed off from (kept after progress, for metrics). */
	bool		last_error_permanent;
	RelayServer last_error_server;
	char		last_error[512];
	RelayCounters k;			/* a copy of the main loop's counters */
	/* Led partitions, for the lag monitor. */
	int			nparts;
	bool		led[RELAY_MAX_PARTITIONS];
	/* relay_lag of the led partitions (metrics.c's monitor thread). */
	bool		lag_measured;	/* at least once */
	bool		lag_unsupported;	/* the extension has no relay_lag (before 1.2) */
	double		lag_seconds;
	double		lag_measured_at;	/* NowSeconds() */
} RelayStatus;

/* status.c */
extern ErrorClass RedisErrorClass(const char *error);
extern ErrorClass PgErrorClass(const char *sqlstate, const char *message);
extern void NoteFailure(RelayServer server, ErrorClass cls, const char *message);
extern bool LastFailure(ErrorClass *cls, RelayServer *server, char *message, size_t len);
extern void StatusProgress(double now, bool published);
extern void StatusServerUp(RelayServer server, bool up);
extern void StatusBackoff(void);
extern void StatusCounters(const RelayCounters *k);
extern void StatusRead(RelayStatus *out);
extern void StatusLed(const bool *led, int nparts);
extern void StatusLag(bool measured, bool unsupported, double lag_seconds, double at);
extern double StatusLagNow(const RelayStatus *st, double fallback);

/* util.c */
extern volatile sig_atomic_t relay_stop_requested;
extern volatile sig_atomic_t relay_reload_requested;
extern void relay_log(LogLevel level, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
extern void LogSetup(LogLevel level, const char *path);
extern void LogReopen(void);
extern double NowSeconds(void);
extern int64_t NowMillis(void);
extern void SleepMillis(int ms);
extern int	BackoffDelay(int attempt, int cap_ms);
extern void SignalsSetup(void);

/* config.c */
extern int	ConfigParse(RelayConfig *cfg, int argc, char **argv);
extern int	ParseRedisUrl(const char *url, RedisTarget *t, char *err, size_t errlen);
extern const char *RouteFamily(const RelayConfig *cfg, const char *event_type,
							   const char *row_stream);
extern const char *StreamFamily(const char *row_stream, char *buf, size_t buflen);

/* pg.c */
extern PGconn *PgConnect(const RelayConfig *cfg);
extern PGconn *PgConnectQuiet(const RelayConfig *cfg);
extern char *PgCheckConninfo(const char *conninfo);
extern bool PgConnectionOk(PGconn *conn);
extern int	PgPartitions(PGconn *conn);
extern int	PgTryLock(PGconn *conn, const char *relay, int part);
extern int	PgClaim(PGconn *conn, const char *relay, int part, int max,
					RelayBatch *batch);
extern int	PgAck(PGconn *conn, const char *relay, int part, int64_t batch_id);
extern int	PgAckClaim(PGconn *conn, const char *relay, int part, int64_t batch_id,
					   int max, RelayBatch *next);
extern bool PgPeekStart(PGconn *conn, const char *relay, int part, int max, PeekJob *job);
extern int	PgPeekFinish(PeekJob *job, int part, RelayBatch *batch, bool *unsupported);
extern int	PgAckClaimPeeked(PGconn *conn, const char *relay, int part, int64_t batch_id,
							 int max, RelayBatch *peek, RelayBatch *next, bool *confirmed);
extern int	PgNack(PGconn *conn, const char *relay, int part, int64_t batch_id,
				   int64_t seq, const char *error, bool *dead);
extern int	PgLastBatch(PGconn *conn, const char *relay, int part, int64_t *last);
extern int	PgReplay(PGconn *conn, const char *relay, int part, int64_t from_batch,
					 RelayBatch *batch);
extern void BatchFree(RelayBatch *batch);
extern bool PgLostLock(void);
extern int	PgUnlock(PGconn *conn, const char *relay, int part);
extern void PgSetIdleTimeout(PGconn *conn, int ms);

/* cluster.c */
typedef struct Router Router;
typedef enum RedirectKind
{
	REDIRECT_NONE,
	REDIRECT_MOVED,
	REDIRECT_ASK
} RedirectKind;
extern int	KeySlot(const char *key, size_t len);
extern int	PartitionSlot(const RelayConfig *cfg, int part);
extern const char *CheckHashTags(const RelayConfig *cfg);
extern Router *RouterOpen(const RelayConfig *cfg);
extern void RouterClose(Router *rt);
extern bool RouterIsCluster(const Router *rt);
extern redisContext *RouterGet(Router *rt, int slot, int *node);
extern redisContext *RouterNode(Router *rt, int node);
extern void RouterNodeFailed(Router *rt, int node);
extern RedirectKind RouterRedirect(Router *rt, int slot, const char *err, int *node);
extern int	RouterMigratingTo(Router *rt, int node, int slot);
extern bool RouterTakeSuspect(Router *rt, int slot);
extern bool RouterIsSuspect(const Router *rt, int slot);
extern void RouterSuspectAll(Router *rt);
extern void RouterPing(Router *rt);
extern const char *RouterNodeName(const Router *rt, int node, char *buf, size_t buflen);

/* redis.c */
extern redisContext *RedisConnect(const RelayConfig *cfg);
extern redisContext *RedisConnectTarget(const RelayConfig *cfg, const RedisTarget *t);
extern PublishResult RedisPublish(Router *rt, const RelayConfig *cfg,
								  const RelayBatch *batch, EntryFailure *failures,
								  int *nfailures, RelayCounters *counters);
extern int	RedisPartitionTop(Router *rt, const RelayConfig *cfg, int part,
							  StreamPos *top);
extern void StreamKey(const RelayConfig *cfg, const char *family, int part,
					  bool replay, char *buf, size_t buflen);

/* recover.c */
extern RecoverResult RecoverPartition(Router *rt, PGconn *pg, const RelayConfig *cfg,
									  int part, RelayCounters *k);

/* metrics.c */
extern int	MetricsListen(int port);
extern bool MetricsStart(int fd, const RelayConfig *cfg);
extern void MetricsLogMinute(RelayCounters *counters, bool force);
extern int64_t UuidV7Millis(const char *uuid);

#endif							/* GOODGO_RELAY_H */
