/*
 * metrics.c
 *		Counters of goodgo-relay: the per-minute log line and an optional
 *		Prometheus text endpoint on 127.0.0.1.
 *
 * The endpoint is served from the main loop (the listening socket is
 * non-blocking and polled between chunks and while idle), so there is no
 * thread and no lock: a scrape sees the counters as of the last chunk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

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
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Answer every pending scrape, whatever was asked: the text format. */
void
MetricsServe(int fd, const RelayCounters *k)
{
	int			client;

	while ((client = accept(fd, NULL, NULL)) >= 0)
	{
		char		body[6144];
		RelayStatus st;
		char		head[256];
		char		req[1024];
		struct timeval tv = {1, 0};
		int			len;

		setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (read(client, req, sizeof(req)) < 0)
		{
			close(client);
			continue;
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
					   "# HELP goodgo_relay_lag_seconds Age (from its UUIDv7) of the newest event published.\n"
					   "# TYPE goodgo_relay_lag_seconds gauge\n"
					   "goodgo_relay_lag_seconds %.3f\n"
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
					   k->partitions_led, k->lag_seconds,
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

/* One info line a minute (or now, when forced): rate, lag, retries, dead letters. */
void
MetricsLogMinute(RelayCounters *k, bool force)
{
	static double last_at = 0;
	static uint64_t last_published = 0;
	double		now = NowSeconds();

	if (last_at == 0)
	{
		last_at = now;
		return;
	}
	if (!force && now - last_at < 60.0)
		return;
	relay_log(LOG_INFO,
			  "msg=\"progress\" events_per_s=%.0f published=%llu duplicates=%llu replayed=%llu lag_s=%.3f retries=%llu dead_letters=%llu partitions_led=%d",
			  (k->events_published - last_published) / (now - last_at > 0 ? now - last_at : 1),
			  (unsigned long long) k->events_published,
			  (unsigned long long) k->events_duplicate,
			  (unsigned long long) k->events_replayed,
			  k->lag_seconds,
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
