/*
 * metrics.c
 *		Counters of goodgo-relay: the per-minute log line and an optional
 *		Prometheus text endpoint on 127.0.0.1.
 *
 * The endpoint is served by a thread of its own that never touches a Redis
 * or PostgreSQL connection: it formats the shared status (status.c, copied
 * under a mutex that no thread holds across a call to a server), so it
 * answers while the main loop backs off or waits on a stalled Redis.  The
 * counters are as of the main loop's last copy (after every batch and every
 * failure).
 *
 * The lag is measured by a second thread with its own PostgreSQL
 * connection: once a second, relay_lag() of every partition the main loop
 * leads, i.e. the age of the oldest committed event not acknowledged yet.
 * It grows while the relay is stuck, where the age of the last published
 * event (the fallback for an extension without relay_lag) would freeze.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include "relay.h"

int
MetricsListen(int port)
{
	int			fd;
	int			one = 1;
	struct sockaddr_in addr;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t) port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *) &addr, sizeof(addr)) != 0 || listen(fd, 16) != 0)
	{
		relay_log(LOG_ERROR, "msg=\"could not listen on 127.0.0.1:%d: %s\"", port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Answer one scrape, whatever was asked: the text format. */
static void
serve_one(int client)
{
	{
		static char body[8192];
		static RelayStatus st;
		const RelayCounters *k = &st.k;
		char		head[256];
		char		req[1024];
		struct timeval tv = {1, 0};
		int			len;

		setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (read(client, req, sizeof(req)) < 0)
		{
			close(client);
			return;
		}
		StatusRead(&st);
		len = snprintf(body, sizeof(body),
					   "# HELP goodgo_relay_events_published_total Events accepted by Redis.\n"
					   "# TYPE goodgo_relay_events_published_total counter\n"
					   "goodgo_relay_events_published_total %llu\n"
					   "# HELP goodgo_relay_events_duplicate_total Events Redis already held (a replayed chunk).\n"
					   "# TYPE goodgo_relay_events_duplicate_total counter\n"
					   "goodgo_relay_events_duplicate_total %llu\n"
					   "# HELP goodgo_relay_events_replayed_total Re-delivered events published.\n"
					   "# TYPE goodgo_relay_events_replayed_total counter\n"
					   "goodgo_relay_events_replayed_total %llu\n"
					   "# HELP goodgo_relay_batches_total Batches acknowledged.\n"
					   "# TYPE goodgo_relay_batches_total counter\n"
					   "goodgo_relay_batches_total %llu\n"
					   "# HELP goodgo_relay_batches_peeked_total Batches read while Redis took the previous one (--overlap).\n"
					   "# TYPE goodgo_relay_batches_peeked_total counter\n"
					   "goodgo_relay_batches_peeked_total %llu\n"
					   "# HELP goodgo_relay_retries_total Chunks retried after a failure.\n"
					   "# TYPE goodgo_relay_retries_total counter\n"
					   "goodgo_relay_retries_total %llu\n"
					   "# HELP goodgo_relay_dead_letters_total Events moved to the dead letters.\n"
					   "# TYPE goodgo_relay_dead_letters_total counter\n"
					   "goodgo_relay_dead_letters_total %llu\n"
					   "# HELP goodgo_relay_reconnects_total Reconnections.\n"
					   "# TYPE goodgo_relay_reconnects_total counter\n"
					   "goodgo_relay_reconnects_total{server=\"redis\"} %llu\n"
					   "goodgo_relay_reconnects_total{server=\"postgresql\"} %llu\n"
					   "# HELP goodgo_relay_loss_recoveries_total Replays requested after Redis lost entries.\n"
					   "# TYPE goodgo_relay_loss_recoveries_total counter\n"
					   "goodgo_relay_loss_recoveries_total %llu\n"
					   "# HELP goodgo_relay_partitions_led Outbox partitions this relay leads.\n"
					   "# TYPE goodgo_relay_partitions_led gauge\n"
					   "goodgo_relay_partitions_led %d\n"
					   "# HELP goodgo_relay_lag_seconds Age of the oldest committed event of the led partitions not published yet (relay_lag; 0 when none). Grows while the relay is stuck.\n"
					   "# TYPE goodgo_relay_lag_seconds gauge\n"
					   "goodgo_relay_lag_seconds %.3f\n"
					   "# HELP goodgo_relay_redis_up 1 when the last call to Redis succeeded.\n"
					   "# TYPE goodgo_relay_redis_up gauge\n"
					   "goodgo_relay_redis_up %d\n"
					   "# HELP goodgo_relay_postgres_up 1 when the last call to PostgreSQL succeeded.\n"
					   "# TYPE goodgo_relay_postgres_up gauge\n"
					   "goodgo_relay_postgres_up %d\n"
					   "# HELP goodgo_relay_last_publish_timestamp_seconds Unix time of the last batch published and acknowledged (0: none yet).\n"
					   "# TYPE goodgo_relay_last_publish_timestamp_seconds gauge\n"
					   "goodgo_relay_last_publish_timestamp_seconds %.3f\n"
					   "# HELP goodgo_relay_consecutive_failures Failures backed off from since the last progress (0: working).\n"
					   "# TYPE goodgo_relay_consecutive_failures gauge\n"
					   "goodgo_relay_consecutive_failures %llu\n"
					   "# HELP goodgo_relay_failures_total Failures backed off from.\n"
					   "# TYPE goodgo_relay_failures_total counter\n"
					   "goodgo_relay_failures_total %llu\n"
					   "# HELP goodgo_relay_last_error_permanent 1 when the last failure cannot go away by itself (authentication, permission, missing database or extension): the daemon retries, someone must fix it.\n"
					   "# TYPE goodgo_relay_last_error_permanent gauge\n"
					   "goodgo_relay_last_error_permanent %d\n",
					   (unsigned long long) k->events_published,
					   (unsigned long long) k->events_duplicate,
					   (unsigned long long) k->events_replayed,
					   (unsigned long long) k->batches,
					   (unsigned long long) k->batches_peeked,
					   (unsigned long long) k->retries,
					   (unsigned long long) k->dead_letters,
					   (unsigned long long) k->redis_reconnects,
					   (unsigned long long) k->pg_reconnects,
					   (unsigned long long) k->loss_recoveries,
					   k->partitions_led, StatusLagNow(&st, k->lag_seconds),
					   st.redis_up ? 1 : 0, st.postgres_up ? 1 : 0, st.last_publish_at,
					   (unsigned long long) st.consecutive_failures,
					   (unsigned long long) st.failures_total,
					   st.consecutive_failures > 0 && st.last_error_permanent ? 1 : 0);
		snprintf(head, sizeof(head),
				 "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
				 "Content-Length: %d\r\nConnection: close\r\n\r\n", len);
		if (write(client, head, strlen(head)) < 0 || write(client, body, len) < 0)
			relay_log(LOG_DEBUG, "msg=\"could not answer a metrics scrape: %s\"", strerror(errno));
		close(client);
	}
}

/* Sleep in a helper thread (SleepMillis returns at once after a stop request). */
static void
thread_sleep(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long) (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

static void *
metrics_thread(void *arg)
{
	int			fd = (int) (intptr_t) arg;

	for (;;)
	{
		int			client = accept(fd, NULL, NULL);

		if (client < 0)
		{
			if (errno != EINTR)
				thread_sleep(10);
			continue;
		}
		serve_one(client);
	}
	return NULL;
}

/* The led partitions as an int[] literal: "{0,2,3}". */
static void
led_array(const RelayStatus *st, char *buf, size_t len)
{
	size_t		n = 0;
	int			p;

	n += snprintf(buf + n, len - n, "{");
	for (p = 0; p < st->nparts && n + 8 < len; p++)
		if (st->led[p])
			n += snprintf(buf + n, len - n, n > 1 ? ",%d" : "%d", p);
	snprintf(buf + n, len - n, "}");
}

static void *
lag_thread(void *arg)
{
	const RelayConfig *cfg = arg;
	PGconn	   *conn = NULL;
	double		last_warning = 0;
	static RelayStatus st;
	static char parts[RELAY_MAX_PARTITIONS * 6 + 3];

	for (;;)
	{
		PGresult   *res;
		const char *params[2];

		if (conn != NULL && PQstatus(conn) != CONNECTION_OK)
		{
			PQfinish(conn);
			conn = NULL;
		}
		if (conn == NULL)
			conn = PgConnectQuiet(cfg);
		if (conn == NULL)
		{
			StatusServerUp(SERVER_POSTGRES, false);
			thread_sleep(1000);
			continue;
		}
		StatusRead(&st);
		led_array(&st, parts, sizeof(parts));
		params[0] = cfg->relay_name;
		params[1] = parts;
		res = PQexecParams(conn,
						   "SELECT coalesce(max(extract(epoch FROM goodgo_events.relay_lag($1, p))), 0)::float8 "
						   "FROM pg_catalog.unnest($2::int[]) p",
						   2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
			StatusLag(true, false, atof(PQgetvalue(res, 0, 0)), NowSeconds());
		else
		{
			const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

			if (state != NULL && strcmp(state, "42883") == 0)
			{
				/* Before 1.2: the lag stays the age of the newest event published. */
				relay_log(LOG_WARNING, "msg=\"the goodgo_events extension has no relay_lag (before 1.2): goodgo_relay_lag_seconds is the age of the newest event published until ALTER EXTENSION goodgo_events UPDATE\"");
				StatusLag(false, true, 0, 0);
				PQclear(res);
				PQfinish(conn);
				conn = NULL;
				thread_sleep(60000);
				continue;
			}
			if (PQstatus(conn) != CONNECTION_OK)
				StatusServerUp(SERVER_POSTGRES, false);
			if (NowSeconds() - last_warning >= 60.0)
			{
				char		clean[512];
				size_t		i;

				last_warning = NowSeconds();
				snprintf(clean, sizeof(clean), "%s", PQerrorMessage(conn));
				for (i = 0; clean[i]; i++)
					if (clean[i] == '\n' || clean[i] == '"')
						clean[i] = ' ';
				relay_log(LOG_WARNING, "msg=\"could not measure the lag (relay_lag): %s\"", clean);
			}
		}
		PQclear(res);
		thread_sleep(1000);
	}
	return NULL;
}

/* Start a thread that takes no signal (they stay with the main thread). */
static bool
start_thread(void *(*fn) (void *), void *arg)
{
	pthread_t	t;
	sigset_t	all,
				old;
	bool		ok;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ok = pthread_create(&t, NULL, fn, arg) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ok)
		pthread_detach(t);
	return ok;
}

/* The metrics endpoint and the lag monitor, each on a thread of its own. */
bool
MetricsStart(int fd, const RelayConfig *cfg)
{
	if (!start_thread(metrics_thread, (void *) (intptr_t) fd) ||
		!start_thread(lag_thread, (void *) cfg))
	{
		relay_log(LOG_ERROR, "msg=\"could not start the metrics threads\"");
		return false;
	}
	return true;
}


/* One info line a minute (or now, when forced): rate, lag, retries, dead letters. */
void
MetricsLogMinute(RelayCounters *k, bool force)
{
	static double last_at = 0;
	static uint64_t last_published = 0;
	static RelayStatus st;
	double		now = NowSeconds();

	if (last_at == 0)
	{
		last_at = now;
		return;
	}
	if (!force && now - last_at < 60.0)
		return;
	StatusRead(&st);
	relay_log(LOG_INFO,
			  "msg=\"progress\" events_per_s=%.0f published=%llu duplicates=%llu replayed=%llu lag_s=%.3f retries=%llu dead_letters=%llu partitions_led=%d",
			  (k->events_published - last_published) / (now - last_at > 0 ? now - last_at : 1),
			  (unsigned long long) k->events_published,
			  (unsigned long long) k->events_duplicate,
			  (unsigned long long) k->events_replayed,
			  StatusLagNow(&st, k->lag_seconds),
			  (unsigned long long) k->retries,
			  (unsigned long long) k->dead_letters,
			  k->partitions_led);
	last_at = now;
	last_published = k->events_published;
}

/* Unix milliseconds of a UUIDv7 in text form, or 0 for anything else. */
int64_t
UuidV7Millis(const char *u)
{
	int64_t		ms = 0;
	int			i,
				n = 0;

	if (strlen(u) != 36 || u[14] != '7')
		return 0;
	for (i = 0; u[i] && n < 12; i++)
	{
		int			d;

		if (u[i] == '-')
			continue;
		if (u[i] >= '0' && u[i] <= '9')
			d = u[i] - '0';
		else if (u[i] >= 'a' && u[i] <= 'f')
			d = u[i] - 'a' + 10;
		else if (u[i] >= 'A' && u[i] <= 'F')
			d = u[i] - 'A' + 10;
		else
			return 0;
		ms = ms * 16 + d;
		n++;
	}
	return ms;
}
