/*
 * util.c
 *		Logging, clocks, jittered backoff and signal flags of goodgo-relay.
 *
 * Log lines are structured "key=value" text, one per line, on stderr or in
 * the --log-file (reopened on SIGHUP so logrotate can move it away).
 * Signal handlers only set flags; the main loop acts on them between
 * chunks, so a chunk that was sent is always finished (acked) first.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "relay.h"

volatile sig_atomic_t relay_stop_requested = 0;
volatile sig_atomic_t relay_reload_requested = 0;

static LogLevel log_min_level = LOG_INFO;
static FILE *log_stream = NULL;
static const char *log_path = NULL;

static const char *const level_names[] = {"debug", "info", "warning", "error"};

void
LogSetup(LogLevel level, const char *path)
{
	log_min_level = level;
	log_path = path;
	LogReopen();
}

void
LogReopen(void)
{
	FILE	   *f;

	if (log_path == NULL)
		return;
	f = fopen(log_path, "a");
	if (f == NULL)
	{
		relay_log(LOG_WARNING, "msg=\"could not open log file \\\"%s\\\": %s\"",
				  log_path, strerror(errno));
		return;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	if (log_stream != NULL && log_stream != stderr)
		fclose(log_stream);
	log_stream = f;
}

void
relay_log(LogLevel level, const char *fmt,...)
{
	va_list		ap;
	struct timespec ts;
	struct tm	tm;
	char		stamp[32];
	FILE	   *out = log_stream ? log_stream : stderr;

	if (level < log_min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	/* One line at a time: the peek reader thread logs server notices. */
	flockfile(out);
	fprintf(out, "%s.%03ldZ %s[%d] level=%s ", stamp, ts.tv_nsec / 1000000L,
			RELAY_PROGNAME, (int) getpid(), level_names[level]);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
	funlockfile(out);
}

double
NowSeconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int64_t
NowMillis(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Sleep, cut short by a signal: a stop request must not wait out a long
 * backoff.
 */
void
SleepMillis(int ms)
{
	struct timespec ts;

	if (ms <= 0 || relay_stop_requested)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long) (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/*
 * Exponential backoff with "equal jitter": base 100 ms doubled per attempt,
 * capped, then a random point in its upper half, so many relays retrying
 * the same Redis do not retry in step.
 */
int
BackoffDelay(int attempt, int cap_ms)
{
	long		d = 100;
	int			i;

	for (i = 0; i < attempt && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	return (int) (d / 2 + random() % (d / 2 + 1));
}

static void
handle_stop(int signo)
{
	(void) signo;
	relay_stop_requested = 1;
}

static void
handle_hup(int signo)
{
	(void) signo;
	relay_reload_requested = 1;
}

void
SignalsSetup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a sleep or poll() must wake up to see the flag. */
	sa.sa_handler = handle_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = handle_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	srandom((unsigned) (getpid() ^ NowMillis()));
}
