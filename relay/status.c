/*
 * status.c
 *		Failure classification and the relay's shared status.
 *
 * Every failed call to Redis or PostgreSQL is classified:
 *
 *	permanent	retrying cannot help until someone changes a setting:
 *				authentication (NOAUTH, WRONGPASS, a wrong PostgreSQL
 *				password or role, no pg_hba.conf entry), permission (NOPERM,
 *				SQLSTATE 42501), a missing database, schema, extension or
 *				relay function (3D000, 3F000, 42883, ...), a command Redis
 *				does not know, a bad database index;
 *	transient	everything else: connection refused or lost, timeouts,
 *				LOADING, TRYAGAIN, CLUSTERDOWN, OOM, a PostgreSQL restart,
 *				serialization failures, ...
 *
 * The last failure since the last progress is kept (NoteFailure): the main
 * loop reads it when it backs off, and --once gives up at once on a
 * permanent one.  The status (servers up, last publish, consecutive
 * failures, the last error) is also copied under a mutex for the metrics
 * thread (metrics.c), which never touches a connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay.h"

static pthread_mutex_t status_lock = PTHREAD_MUTEX_INITIALIZER;
static RelayStatus status;

/* Redis error replies that no retry can fix (prefixes). */
static const char *const redis_permanent[] = {
	"NOAUTH",					/* a password is required and none was given */
	"WRONGPASS",				/* wrong user or password (Redis 6+) */
	"NOPERM",					/* the ACL user lacks a command or key */
	"ERR invalid password",		/* Redis 5 */
	"ERR AUTH",					/* AUTH without any password configured */
	"ERR Client sent AUTH",		/* the same, Redis 5 */
	"ERR invalid DB index",
	"ERR DB index is out of range",
	"ERR unknown command",		/* e.g. no streams (Redis < 5), or renamed */
	"ERR SELECT is not allowed in cluster mode",
	NULL
};

ErrorClass
RedisErrorClass(const char *error)
{
	int			i;

	if (error == NULL)
		return ERRCLASS_TRANSIENT;	/* I/O: refused, reset, timeout */
	for (i = 0; redis_permanent[i]; i++)
		if (strncmp(error, redis_permanent[i], strlen(redis_permanent[i])) == 0)
			return ERRCLASS_PERMANENT;
	return ERRCLASS_TRANSIENT;
}

/*
 * A failed statement by SQLSTATE; a failed connection (no SQLSTATE: libpq
 * reports the server's FATAL message as text) by its message.
 */
ErrorClass
PgErrorClass(const char *sqlstate, const char *message)
{
	static const char *const permanent_text[] = {
		"password authentication failed",
		"authentication failed",
		"no password supplied",
		"no pg_hba.conf entry",
		"does not exist",		/* database or role */
		"is not permitted to log in",
		"permission denied",
		"invalid connection option",
		"missing \"=\" after",
		"invalid URI",
		"invalid integer value",
		"invalid port number",
		"invalid sslmode value",
		NULL
	};
	int			i;

	if (sqlstate != NULL && strlen(sqlstate) == 5)
	{
		/* 28: authorization, 3D: catalog, 3F: schema, 42: access or a missing object, 0A: not supported */
		if (strncmp(sqlstate, "28", 2) == 0 || strncmp(sqlstate, "3D", 2) == 0 ||
			strncmp(sqlstate, "3F", 2) == 0 || strncmp(sqlstate, "42", 2) == 0 ||
			strncmp(sqlstate, "0A", 2) == 0)
			return ERRCLASS_PERMANENT;
		return ERRCLASS_TRANSIENT;
	}
	for (i = 0; message != NULL && permanent_text[i]; i++)
		if (strstr(message, permanent_text[i]) != NULL)
			return ERRCLASS_PERMANENT;
	return ERRCLASS_TRANSIENT;
}

/* One line, quotes and newlines replaced, for logs and the metrics label. */
static void
clean_copy(char *dst, size_t len, const char *src)
{
	size_t		i;

	snprintf(dst, len, "%s", src ? src : "");
	for (i = 0; dst[i]; i++)
		if (dst[i] == '\n' || dst[i] == '\r' || dst[i] == '"' || dst[i] == '\\')
			dst[i] = dst[i] == '"' ? '\'' : ' ';
	/* trailing blanks (libpq messages end with a newline) */
	while (i > 0 && dst[i - 1] == ' ')
		dst[--i] = '\0';
}

void
NoteFailure(RelayServer server, ErrorClass cls, const char *message)
{
	pthread_mutex_lock(&status_lock);
	status.failure_noted = true;
	status.failure_class = cls;
	status.failure_server = server;
	clean_copy(status.failure_message, sizeof(status.failure_message), message);
	if (server == SERVER_REDIS)
		status.redis_up = false;
	else
		status.postgres_up = false;
	pthread_mutex_unlock(&status_lock);
}

/* The failure noted since the last progress; false when none. */
bool
LastFailure(ErrorClass *cls, RelayServer *server, char *message, size_t len)
{
	bool		noted;

	pthread_mutex_lock(&status_lock);
	noted = status.failure_noted;
	if (noted)
	{
		*cls = status.failure_class;
		*server = status.failure_server;
		snprintf(message, len, "%s", status.failure_message);
	}
	pthread_mutex_unlock(&status_lock);
	return noted;
}

/* Progress: the noted failure is over; the consecutive failures too. */
void
StatusProgress(double now, bool published)
{
	pthread_mutex_lock(&status_lock);
	status.failure_noted = false;
	status.consecutive_failures = 0;
	status.redis_up = true;
	status.postgres_up = true;
	if (published)
		status.last_publish_at = now;
	pthread_mutex_unlock(&status_lock);
}

void
StatusServerUp(RelayServer server, bool up)
{
	pthread_mutex_lock(&status_lock);
	if (server == SERVER_REDIS)
		status.redis_up = up;
	else
		status.postgres_up = up;
	pthread_mutex_unlock(&status_lock);
}

/* A failure the main loop backs off from: counted, kept in the status. */
void
StatusBackoff(void)
{
	pthread_mutex_lock(&status_lock);
	status.consecutive_failures++;
	status.failures_total++;
	if (status.failure_noted)
	{
		status.last_error_permanent = status.failure_class == ERRCLASS_PERMANENT;
		status.last_error_server = status.failure_server;
		snprintf(status.last_error, sizeof(status.last_error), "%s", status.failure_message);
	}
	pthread_mutex_unlock(&status_lock);
}

/* The counters of the main loop, published for the metrics thread. */
void
StatusCounters(const RelayCounters *k)
{
	pthread_mutex_lock(&status_lock);
	status.k = *k;
	pthread_mutex_unlock(&status_lock);
}

void
StatusRead(RelayStatus *out)
{
	pthread_mutex_lock(&status_lock);
	*out = status;
	pthread_mutex_unlock(&status_lock);
}

/* The partitions the main loop leads now. */
void
StatusLed(const bool *led, int nparts)
{
	pthread_mutex_lock(&status_lock);
	status.nparts = nparts < RELAY_MAX_PARTITIONS ? nparts : RELAY_MAX_PARTITIONS;
	memset(status.led, 0, sizeof(status.led));
	if (led != NULL)
		memcpy(status.led, led, status.nparts * sizeof(bool));
	pthread_mutex_unlock(&status_lock);
}

/* A result of the lag monitor. */
void
StatusLag(bool measured, bool unsupported, double lag_seconds, double at)
{
	pthread_mutex_lock(&status_lock);
	if (measured)
	{
		status.lag_measured = true;
		status.lag_seconds = lag_seconds;
		status.lag_measured_at = at;
	}
	status.lag_unsupported = unsupported;
	pthread_mutex_unlock(&status_lock);
}

/*
 * The lag to report now: the last relay_lag measured, plus the time since
 * when events were pending then (so it keeps growing while PostgreSQL
 * cannot be asked either); fallback (the age of the newest event
 * published) when relay_lag is not available.
 */
double
StatusLagNow(const RelayStatus *st, double fallback)
{
	if (!st->lag_measured || st->lag_unsupported)
		return fallback;
	if (st->lag_seconds <= 0)
		return 0;
	return st->lag_seconds + (NowSeconds() - st->lag_measured_at);
}
