/*
 * config.c
 *		Command line, environment and redis:// URL parsing of goodgo-relay.
 *
 * Every flag has an environment variable GOODGO_RELAY_<NAME> (dashes
 * become underscores) read first, so a systemd unit can use an
 * EnvironmentFile; a flag given on the command line wins.  The PostgreSQL
 * side also honours the usual PG* variables through libpq.  A bad option
 * or value prints one line on stderr and exits with status 2.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay.h"

enum
{
	OPT_DB = 'd',
	OPT_REDIS = 'r',
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
	OPT_BATCH = 'b',
	OPT_ONCE = 1000,
	OPT_NAME,
	OPT_PREFIX,
	OPT_POLL,
	OPT_MAXLEN,
	OPT_METRICS,
	OPT_ROUTE,
	OPT_DEFAULT_STREAM,
	OPT_IDS,
	OPT_PARTITIONS,
	OPT_REDIS_TIMEOUT,
	OPT_BACKOFF_MAX,
	OPT_STANDBY_RETRY,
	OPT_LOG_LEVEL,
	OPT_LOG_FILE,
	OPT_PRINT_CONFIG,
	OPT_BATCH_MAX,
	OPT_OVERLAP,
	OPT_WAIT_REPLICAS,
	OPT_WAIT_TIMEOUT,
	OPT_UNHEALTHY_AFTER,
	OPT_ONCE_TIMEOUT
};

static const struct option long_options[] = {
	{"db", required_argument, NULL, OPT_DB},
	{"redis", required_argument, NULL, OPT_REDIS},
	{"name", required_argument, NULL, OPT_NAME},
	{"stream-prefix", required_argument, NULL, OPT_PREFIX},
	{"default-stream", required_argument, NULL, OPT_DEFAULT_STREAM},
	{"route", required_argument, NULL, OPT_ROUTE},
	{"batch", required_argument, NULL, OPT_BATCH},
	{"batch-max", required_argument, NULL, OPT_BATCH_MAX},
	{"poll-interval", required_argument, NULL, OPT_POLL},
	{"maxlen", required_argument, NULL, OPT_MAXLEN},
	{"ids", required_argument, NULL, OPT_IDS},
	{"overlap", required_argument, NULL, OPT_OVERLAP},
	{"partitions", required_argument, NULL, OPT_PARTITIONS},
	{"once", no_argument, NULL, OPT_ONCE},
	{"once-timeout", required_argument, NULL, OPT_ONCE_TIMEOUT},
	{"metrics-port", required_argument, NULL, OPT_METRICS},
	{"redis-timeout", required_argument, NULL, OPT_REDIS_TIMEOUT},
	{"backoff-max", required_argument, NULL, OPT_BACKOFF_MAX},
	{"standby-retry", required_argument, NULL, OPT_STANDBY_RETRY},
	{"wait-replicas", required_argument, NULL, OPT_WAIT_REPLICAS},
	{"wait-timeout", required_argument, NULL, OPT_WAIT_TIMEOUT},
	{"unhealthy-after", required_argument, NULL, OPT_UNHEALTHY_AFTER},
	{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	{"log-file", required_argument, NULL, OPT_LOG_FILE},
	{"print-config", no_argument, NULL, OPT_PRINT_CONFIG},
	{"help", no_argument, NULL, OPT_HELP},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0}
};

static bool print_config = false;
static bool parsing_cmdline = false;
static int	cmdline_redis = 0;

static void
usage(void)
{
	printf("%s publishes committed goodgo_events outbox events to Redis Streams.\n\n",
		   RELAY_PROGNAME);
	printf("Usage:\n  %s [OPTION]...\n\n", RELAY_PROGNAME);
	printf("Connections:\n");
	printf("  -d, --db=CONNINFO          PostgreSQL connection string or URI (default: PG* variables)\n");
	printf("  -r, --redis=URL            redis://[USER:PASSWORD@]HOST[:PORT][/DB], unix:///PATH[?db=N]\n");
	printf("                             or /PATH (default: redis://127.0.0.1:6379/0); repeatable:\n");
	printf("                             several seeds of a Redis Cluster (detected, slots routed);\n");
	printf("                             or redis-sentinel://[USER:PASSWORD@]HOST[:PORT][,HOST[:PORT]]/MASTER[/DB]:\n");
	printf("                             the master the Sentinels name, followed across failovers\n");
	printf("      --redis-timeout=MS     timeout of every Redis call (default: 5000)\n");
	printf("      --wait-replicas=N      ack a chunk only once N replicas have it (WAIT; default: 0)\n");
	printf("      --wait-timeout=MS      how long WAIT waits for them (default: 1000)\n");
	printf("\nStreams:\n");
	printf("      --name=NAME            relay name, the key of its positions (default: default)\n");
	printf("      --stream-prefix=P      names the outbox in every key: <family>:{P:p<N>} (default: goodgo)\n");
	printf("      --route=TYPE=FAMILY    send event types matching TYPE (\"payment.*\" or exact) to\n");
	printf("                             stream family FAMILY; repeatable, first match wins\n");
	printf("      --default-stream=F     family for events no route and no outbox stream name (default: events)\n");
	printf("      --maxlen=N             trim each stream with MAXLEN ~ N (default: 0, no trimming)\n");
	printf("      --ids=MODE             deterministic (<batch_id>-<ord>, default) or auto (\"*\",\n");
	printf("                             when a stream has other writers: replays become duplicates)\n");
	printf("\nWork:\n");
	printf("  -b, --batch=N              events per MULTI/EXEC chunk, and per claim when there is\n");
	printf("                             no backlog (default: 1000)\n");
	printf("      --batch-max=N          under a backlog claims double up to N events, published in\n");
	printf("                             chunks of --batch (default: 4000)\n");
	printf("      --overlap=on|off       read the next batch while Redis takes the current one\n");
	printf("                             (relay_peek; default: on)\n");
	printf("      --poll-interval=MS     idle wait between empty claims (default: 50)\n");
	printf("      --partitions=A[-B]     lead only these outbox partitions (default: all)\n");
	printf("      --standby-retry=MS     how often a standby tries to take a partition (default: 2000)\n");
	printf("      --unhealthy-after=MS   release a partition whose pending events could not be\n");
	printf("                             published that long, for a healthy standby (default: 30000)\n");
	printf("      --backoff-max=MS       cap of the jittered exponential retry delay (default: 30000)\n");
	printf("      --once                 drain what is committed, then exit\n");
	printf("      --once-timeout=S       --once gives up (exit 1) after S seconds without progress\n");
	printf("                             (Redis or PostgreSQL unavailable, a partition's lock held\n");
	printf("                             by another relay; default: 60)\n");
	printf("\nObservability:\n");
	printf("      --metrics-port=PORT    serve Prometheus metrics on 127.0.0.1:PORT (default: off)\n");
	printf("      --log-level=LEVEL      debug, info, warning or error (default: info)\n");
	printf("      --log-file=PATH        log there instead of stderr (reopened on SIGHUP)\n");
	printf("\nOther:\n");
	printf("      --print-config         print the effective settings (password hidden), then exit\n");
	printf("  -V, --version              print the version, then exit\n");
	printf("  -h, --help                 show this help, then exit\n");
	printf("\nEvery option can also be set as GOODGO_RELAY_<OPTION> in the environment\n");
	printf("(e.g. GOODGO_RELAY_REDIS); the command line wins.  SIGTERM or SIGINT finish the\n");
	printf("current chunk and exit 0; SIGHUP reopens the log file.\n");
	printf("\nExit status: 0 done (--once: drained; else stopped by a signal), 1 a permanent\n");
	printf("error (authentication, permission, missing database or extension: at once with\n");
	printf("--once; the daemon keeps retrying) or --once without progress for --once-timeout,\n");
	printf("2 bad usage.\n");
}

static int
bad_value(const char *opt, const char *value, const char *why)
{
	fprintf(stderr, "%s: invalid value \"%s\" for option --%s: %s\n",
			RELAY_PROGNAME, value, opt, why);
	fprintf(stderr, "Try \"%s --help\" for more information.\n", RELAY_PROGNAME);
	return RELAY_EXIT_USAGE;
}

static bool
parse_long(const char *s, long lo, long hi, long *out)
{
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* Decode %XX escapes of a URL component into a new string. */
static char *
url_decode(const char *s, size_t len)
{
	char	   *out = malloc(len + 1);
	size_t		i,
				j = 0;

	for (i = 0; i < len; i++)
	{
		if (s[i] == '%' && i + 2 < len &&
			isxdigit((unsigned char) s[i + 1]) && isxdigit((unsigned char) s[i + 2]))
		{
			char		hex[3] = {s[i + 1], s[i + 2], '\0'};

			out[j++] = (char) strtol(hex, NULL, 16);
			i += 2;
		}
		else
			out[j++] = s[i];
	}
	out[j] = '\0';
	return out;
}

/*
 * The "user:password@" (or "password@", redis://secret@host) at the start of
 * the len bytes at p, decoded into t; returns where the host part starts.
 */
static const char *
parse_userinfo(const char *p, size_t len, RedisTarget *t)
{
	const char *at = memchr(p, '@', len);
	const char *colon;

	if (at == NULL)
		return p;
	colon = memchr(p, ':', at - p);
	if (colon != NULL)
	{
		if (colon > p)
			t->user = url_decode(p, colon - p);
		t->password = url_decode(colon + 1, at - colon - 1);
	}
	else
		t->password = url_decode(p, at - p);
	return at + 1;
}

/*
 * redis-sentinel://[user:password@]host[:port][,host[:port]...]/master[/db]:
 * the Sentinels (port 26379 by default) that name the current master of
 * "master"; the credentials and db are the data nodes'.
 */
static int
parse_sentinel_url(const char *url, RedisTarget *t, char *err, size_t errlen)
{
	const char *p = url + strlen("redis-sentinel://");
	const char *slash = strchr(p, '/');
	const char *name;
	const char *name_end;
	long		v;

	if (slash == NULL || slash[1] == '\0' || slash[1] == '/')
	{
		snprintf(err, errlen, "a redis-sentinel:// URL names the master after the Sentinels: redis-sentinel://host:port/mymaster");
		return -1;
	}
	p = parse_userinfo(p, slash - p, t);
	while (p < slash)
	{
		const char *comma = memchr(p, ',', slash - p);
		const char *end = comma ? comma : slash;
		const char *hstart = p;
		const char *hend;
		const char *colon;
		int			port = 26379;

		if (*p == '[')
		{
			/* [IPv6]:port */
			const char *close = memchr(p, ']', end - p);

			if (close == NULL)
			{
				snprintf(err, errlen, "unterminated IPv6 address of a Sentinel");
				return -1;
			}
			hstart = p + 1;
			hend = close;
			colon = close + 1 < end ? close + 1 : NULL;
			if (colon != NULL && *colon != ':')
			{
				snprintf(err, errlen, "unexpected characters after a Sentinel's IPv6 address");
				return -1;
			}
		}
		else
		{
			colon = memchr(p, ':', end - p);
			hend = colon ? colon : end;
		}
		if (hend == hstart)
		{
			snprintf(err, errlen, "a Sentinel address needs a host");
			return -1;
		}
		if (colon != NULL)
		{
			char		buf[16];
			size_t		n = end - colon - 1;

			if (n == 0 || n >= sizeof(buf))
			{
				snprintf(err, errlen, "invalid Sentinel port");
				return -1;
			}
			memcpy(buf, colon + 1, n);
			buf[n] = '\0';
			if (!parse_long(buf, 1, 65535, &v))
			{
				snprintf(err, errlen, "invalid Sentinel port");
				return -1;
			}
			port = (int) v;
		}
		t->sentinel_host = realloc(t->sentinel_host, sizeof(char *) * (t->nsentinels + 1));
		t->sentinel_port = realloc(t->sentinel_port, sizeof(int) * (t->nsentinels + 1));
		t->sentinel_host[t->nsentinels] = url_decode(hstart, hend - hstart);
		t->sentinel_port[t->nsentinels] = port;
		t->nsentinels++;
		p = comma ? comma + 1 : slash;
	}
	if (t->nsentinels == 0)
	{
		snprintf(err, errlen, "a redis-sentinel:// URL needs at least one Sentinel host:port");
		return -1;
	}
	name = slash + 1;
	name_end = strchr(name, '/');
	t->sentinel_master = url_decode(name, name_end ? (size_t) (name_end - name) : strlen(name));
	if (name_end != NULL && name_end[1] != '\0')
	{
		if (!parse_long(name_end + 1, 0, 65535, &v))
		{
			snprintf(err, errlen, "the database after the master's name must be a number");
			return -1;
		}
		t->db = (int) v;
	}
	return 0;
}

/*
 * Parse redis://[user:password@]host[:port][/db], rediss:// (refused: no TLS
 * in hiredis 0.14), unix:///path[?db=N] or a bare absolute path, or a
 * redis-sentinel:// URL (above).
 */
int
ParseRedisUrl(const char *url, RedisTarget *t, char *err, size_t errlen)
{
	const char *p;
	const char *hostend;
	const char *slash;
	long		v;

	memset(t, 0, sizeof(*t));
	t->port = 6379;

	if (url[0] == '/' || strncmp(url, "unix://", 7) == 0)
	{
		const char *path = url[0] == '/' ? url : url + 7;
		const char *q = strchr(path, '?');

		if (path[0] != '/')
		{
			snprintf(err, errlen, "a unix socket path must be absolute");
			return -1;
		}
		t->unix_path = url_decode(path, q ? (size_t) (q - path) : strlen(path));
		if (q != NULL)
		{
			if (strncmp(q, "?db=", 4) != 0 || !parse_long(q + 4, 0, 65535, &v))
			{
				snprintf(err, errlen, "expected \"?db=N\" after the socket path");
				return -1;
			}
			t->db = (int) v;
		}
		return 0;
	}
	if (strncmp(url, "redis-sentinel://", 17) == 0)
		return parse_sentinel_url(url, t, err, errlen);
	if (strncmp(url, "rediss://", 9) == 0)
	{
		snprintf(err, errlen, "TLS is not supported by this build (hiredis 0.14); run a local TLS tunnel and point --redis at it");
		return -1;
	}
	if (strncmp(url, "redis://", 8) != 0)
	{
		snprintf(err, errlen, "expected a redis:// URL, a redis-sentinel:// URL, unix:///path or an absolute socket path");
		return -1;
	}
	p = url + 8;
	slash = strchr(p, '/');
	p = parse_userinfo(p, slash ? (size_t) (slash - p) : strlen(p), t);
	hostend = slash ? slash : p + strlen(p);
	if (*p == '[')
	{
		const char *close = memchr(p, ']', hostend - p);

		if (close == NULL)
		{
			snprintf(err, errlen, "unterminated IPv6 address");
			return -1;
		}
		t->host = url_decode(p + 1, close - p - 1);
		p = close + 1;
	}
	else
	{
		const char *colon = memchr(p, ':', hostend - p);
		const char *e = colon ? colon : hostend;

		t->host = url_decode(p, e - p);
		p = e;
	}
	if (t->host[0] == '\0')
	{
		free(t->host);
		t->host = strdup("127.0.0.1");
	}
	if (*p == ':')
	{
		char		buf[16];
		size_t		n = hostend - p - 1;

		if (n == 0 || n >= sizeof(buf))
		{
			snprintf(err, errlen, "invalid port");
			return -1;
		}
		memcpy(buf, p + 1, n);
		buf[n] = '\0';
		if (!parse_long(buf, 1, 65535, &v))
		{
			snprintf(err, errlen, "invalid port");
			return -1;
		}
		t->port = (int) v;
	}
	else if (p != hostend)
	{
		snprintf(err, errlen, "unexpected characters after the host");
		return -1;
	}
	if (slash != NULL && slash[1] != '\0')
	{
		if (!parse_long(slash + 1, 0, 65535, &v))
		{
			snprintf(err, errlen, "the database after \"/\" must be a number");
			return -1;
		}
		t->db = (int) v;
	}
	return 0;
}

static bool
has_brace(const char *s)
{
	return strchr(s, '{') != NULL || strchr(s, '}') != NULL;
}

/* Apply one option; returns 0, or an exit code. */
static char default_redis_url[] = "redis://127.0.0.1:6379/0";

/* Free the strings of a parsed Redis URL. */
static void
free_target(RedisTarget *t)
{
	int			i;

	free(t->host);
	free(t->unix_path);
	free(t->user);
	free(t->password);
	free(t->sentinel_master);
	for (i = 0; i < t->nsentinels; i++)
		free(t->sentinel_host[i]);
	free(t->sentinel_host);
	free(t->sentinel_port);
	memset(t, 0, sizeof(*t));
}

static int
apply_option(RelayConfig *cfg, int opt, const char *name, const char *arg)
{
	long		v;
	char		err[256];

	switch (opt)
	{
		case OPT_DB:
			cfg->db = strdup(arg);
			break;
		case OPT_REDIS:
			{
				RedisTarget t;

				/*
				 * Parse into a fresh target and free the one it replaces (the
				 * default's, or an environment variable's): LeakSanitizer runs
				 * in CI (test/suites/relay_asan.sh).
				 */
				memset(&t, 0, sizeof(t));
				if (ParseRedisUrl(arg, &t, err, sizeof(err)) != 0)
				{
					free_target(&t);
					return bad_value(name, arg, err);
				}
				if (parsing_cmdline && cmdline_redis++ > 0)
				{
					/* A further seed (Redis Cluster); seeds[0] is set at the end. */
					cfg->seeds = realloc(cfg->seeds, sizeof(RedisTarget) * (cfg->nseeds + 2));
					if (cfg->nseeds == 0)
						cfg->nseeds = 1;
					cfg->seeds[cfg->nseeds++] = t;
					break;
				}
				free_target(&cfg->redis);
				cfg->redis = t;
				if (cfg->redis_url != default_redis_url)
					free(cfg->redis_url);
				cfg->redis_url = strdup(arg);
			}
			break;
		case OPT_NAME:
			if (arg[0] == '\0')
				return bad_value(name, arg, "must not be empty");
			cfg->relay_name = strdup(arg);
			break;
		case OPT_PREFIX:
			if (arg[0] == '\0' || has_brace(arg))
				return bad_value(name, arg, "must be non-empty and contain no \"{\" or \"}\"");
			cfg->stream_prefix = strdup(arg);
			break;
		case OPT_DEFAULT_STREAM:
			if (arg[0] == '\0' || has_brace(arg))
				return bad_value(name, arg, "must be non-empty and contain no \"{\" or \"}\"");
			cfg->default_family = strdup(arg);
			break;
		case OPT_ROUTE:
			{
				const char *eq = strchr(arg, '=');

				if (eq == NULL || eq == arg || eq[1] == '\0')
					return bad_value(name, arg, "expected TYPE=FAMILY");
				if (has_brace(eq + 1))
					return bad_value(name, arg, "a stream family must contain no \"{\" or \"}\"");
				cfg->routes = realloc(cfg->routes, sizeof(Route) * (cfg->nroutes + 1));
				cfg->routes[cfg->nroutes].pattern = strndup(arg, eq - arg);
				cfg->routes[cfg->nroutes].family = strdup(eq + 1);
				cfg->nroutes++;
				break;
			}
		case OPT_BATCH:
			if (!parse_long(arg, 1, 100000, &v))
				return bad_value(name, arg, "must be an integer from 1 to 100000");
			cfg->batch = (int) v;
			break;
		case OPT_BATCH_MAX:
			if (!parse_long(arg, 1, 1000000, &v))
				return bad_value(name, arg, "must be an integer from 1 to 1000000");
			cfg->batch_max = (int) v;
			break;
		case OPT_POLL:
			if (!parse_long(arg, 1, 60000, &v))
				return bad_value(name, arg, "must be milliseconds from 1 to 60000");
			cfg->poll_ms = (int) v;
			break;
		case OPT_MAXLEN:
			if (!parse_long(arg[0] == '~' ? arg + 1 : arg, 0, LONG_MAX, &v))
				return bad_value(name, arg, "must be a non-negative integer (0: no trimming)");
			cfg->maxlen = v;
			break;
		case OPT_IDS:
			if (strcmp(arg, "deterministic") == 0)
				cfg->id_mode = ID_DETERMINISTIC;
			else if (strcmp(arg, "auto") == 0)
				cfg->id_mode = ID_AUTO;
			else
				return bad_value(name, arg, "must be \"deterministic\" or \"auto\"");
			break;
		case OPT_OVERLAP:
			if (strcmp(arg, "on") == 0)
				cfg->overlap = true;
			else if (strcmp(arg, "off") == 0)
				cfg->overlap = false;
			else
				return bad_value(name, arg, "must be \"on\" or \"off\"");
			break;
		case OPT_PARTITIONS:
			{
				const char *dash = strchr(arg, '-');
				long		lo,
							hi;
				char		buf[32];

				if (dash == NULL)
				{
					if (!parse_long(arg, 0, 1023, &lo))
						return bad_value(name, arg, "expected A or A-B with 0 <= A <= B <= 1023");
					hi = lo;
				}
				else
				{
					size_t		n = dash - arg;

					if (n == 0 || n >= sizeof(buf))
						return bad_value(name, arg, "expected A or A-B with 0 <= A <= B <= 1023");
					memcpy(buf, arg, n);
					buf[n] = '\0';
					if (!parse_long(buf, 0, 1023, &lo) || !parse_long(dash + 1, 0, 1023, &hi) || hi < lo)
						return bad_value(name, arg, "expected A or A-B with 0 <= A <= B <= 1023");
				}
				cfg->part_lo = (int) lo;
				cfg->part_hi = (int) hi;
				break;
			}
		case OPT_ONCE:
			cfg->once = true;
			break;
		case OPT_ONCE_TIMEOUT:
			if (!parse_long(arg, 1, 86400, &v))
				return bad_value(name, arg, "must be seconds from 1 to 86400");
			cfg->once_timeout_s = (int) v;
			break;
		case OPT_METRICS:
			if (!parse_long(arg, 0, 65535, &v))
				return bad_value(name, arg, "must be a TCP port from 1 to 65535, or 0 for off");
			cfg->metrics_port = (int) v;
			break;
		case OPT_REDIS_TIMEOUT:
			if (!parse_long(arg, 10, 600000, &v))
				return bad_value(name, arg, "must be milliseconds from 10 to 600000");
			cfg->redis_timeout_ms = (int) v;
			break;
		case OPT_BACKOFF_MAX:
			if (!parse_long(arg, 100, 600000, &v))
				return bad_value(name, arg, "must be milliseconds from 100 to 600000");
			cfg->backoff_max_ms = (int) v;
			break;
		case OPT_STANDBY_RETRY:
			if (!parse_long(arg, 10, 600000, &v))
				return bad_value(name, arg, "must be milliseconds from 10 to 600000");
			cfg->standby_retry_ms = (int) v;
			break;
		case OPT_WAIT_REPLICAS:
			if (!parse_long(arg, 0, 100, &v))
				return bad_value(name, arg, "must be an integer from 0 to 100");
			cfg->wait_replicas = (int) v;
			break;
		case OPT_WAIT_TIMEOUT:
			if (!parse_long(arg, 1, 600000, &v))
				return bad_value(name, arg, "must be milliseconds from 1 to 600000");
			cfg->wait_timeout_ms = (int) v;
			break;
		case OPT_UNHEALTHY_AFTER:
			if (!parse_long(arg, 1000, 3600000, &v))
				return bad_value(name, arg, "must be milliseconds from 1000 to 3600000");
			cfg->unhealthy_after_ms = (int) v;
			break;
		case OPT_LOG_LEVEL:
			if (strcmp(arg, "debug") == 0)
				cfg->log_level = LOG_DEBUG;
			else if (strcmp(arg, "info") == 0)
				cfg->log_level = LOG_INFO;
			else if (strcmp(arg, "warning") == 0)
				cfg->log_level = LOG_WARNING;
			else if (strcmp(arg, "error") == 0)
				cfg->log_level = LOG_ERROR;
			else
				return bad_value(name, arg, "must be debug, info, warning or error");
			break;
		case OPT_LOG_FILE:
			cfg->log_file = strdup(arg);
			break;
		case OPT_PRINT_CONFIG:
			print_config = true;
			break;
		default:
			return RELAY_EXIT_USAGE;
	}
	return 0;
}

/* GOODGO_RELAY_<NAME> for every option that takes a value, and ONCE. */
static int
apply_environment(RelayConfig *cfg)
{
	const struct option *o;

	for (o = long_options; o->name != NULL; o++)
	{
		char		var[64] = "GOODGO_RELAY_";
		size_t		n = strlen(var);
		const char *s;
		const char *val;
		int			rc;

		if (o->val == OPT_HELP || o->val == OPT_VERSION || o->val == OPT_ROUTE ||
			o->val == OPT_PRINT_CONFIG)
			continue;
		for (s = o->name; *s && n < sizeof(var) - 1; s++)
			var[n++] = *s == '-' ? '_' : (char) toupper((unsigned char) *s);
		var[n] = '\0';
		val = getenv(var);
		if (val == NULL || val[0] == '\0')
			continue;
		if (o->has_arg == no_argument)
		{
			if (strcmp(val, "1") == 0 || strcmp(val, "true") == 0 || strcmp(val, "yes") == 0)
				val = "";
			else
				continue;
		}
		rc = apply_option(cfg, o->val, o->name, val);
		if (rc != 0)
		{
			fprintf(stderr, "%s: (from the environment variable %s)\n", RELAY_PROGNAME, var);
			return rc;
		}
	}
	return 0;
}

/* --print-config: one "name=value" line per setting, secrets hidden. */
static void
dump_config(const RelayConfig *cfg)
{
	static const char *const levels[] = {"debug", "info", "warning", "error"};
	int			i;

	printf("db=%s\n", cfg->db ? "(set)" : "(PG* environment)");
	if (cfg->redis.sentinel_master)
	{
		printf("redis.sentinel-master=%s\n", cfg->redis.sentinel_master);
		for (i = 0; i < cfg->redis.nsentinels; i++)
			printf("redis.sentinel=%s:%d\n", cfg->redis.sentinel_host[i], cfg->redis.sentinel_port[i]);
	}
	else if (cfg->redis.unix_path)
		printf("redis.socket=%s\n", cfg->redis.unix_path);
	else
	{
		printf("redis.host=%s\n", cfg->redis.host);
		printf("redis.port=%d\n", cfg->redis.port);
	}
	printf("redis.user=%s\n", cfg->redis.user ? cfg->redis.user : "");
	printf("redis.password=%s\n", cfg->redis.password ? "(set)" : "");
	printf("redis.db=%d\n", cfg->redis.db);
	printf("name=%s\n", cfg->relay_name);
	printf("stream-prefix=%s\n", cfg->stream_prefix);
	printf("default-stream=%s\n", cfg->default_family);
	for (i = 0; i < cfg->nroutes; i++)
		printf("route=%s=%s\n", cfg->routes[i].pattern, cfg->routes[i].family);
	printf("batch=%d\n", cfg->batch);
	printf("batch-max=%d\n", cfg->batch_max);
	printf("poll-interval=%d\n", cfg->poll_ms);
	printf("maxlen=%ld\n", cfg->maxlen);
	printf("ids=%s\n", cfg->id_mode == ID_AUTO ? "auto" : "deterministic");
	printf("overlap=%s\n", cfg->overlap ? "on" : "off");
	if (cfg->part_lo < 0)
		printf("partitions=all\n");
	else
		printf("partitions=%d-%d\n", cfg->part_lo, cfg->part_hi);
	printf("once=%s\n", cfg->once ? "yes" : "no");
	printf("once-timeout=%d\n", cfg->once_timeout_s);
	printf("metrics-port=%d\n", cfg->metrics_port);
	printf("redis-timeout=%d\n", cfg->redis_timeout_ms);
	printf("backoff-max=%d\n", cfg->backoff_max_ms);
	printf("standby-retry=%d\n", cfg->standby_retry_ms);
	printf("log-level=%s\n", levels[cfg->log_level]);
	printf("log-file=%s\n", cfg->log_file ? cfg->log_file : "");
	printf("redis.seeds=%d\n", cfg->nseeds);
	for (i = 1; i < cfg->nseeds; i++)
		printf("redis.seed=%s:%d\n", cfg->seeds[i].unix_path ? cfg->seeds[i].unix_path : cfg->seeds[i].host,
			   cfg->seeds[i].port);
	printf("wait-replicas=%d\n", cfg->wait_replicas);
	printf("wait-timeout=%d\n", cfg->wait_timeout_ms);
	printf("unhealthy-after=%d\n", cfg->unhealthy_after_ms);
}

/*
 * Fill cfg from defaults, the environment and the command line.  Returns -1
 * to go on, or an exit status (0 after --help or --version).
 */
int
ConfigParse(RelayConfig *cfg, int argc, char **argv)
{
	int			c;
	int			idx;
	int			rc;
	char		err[256];

	memset(cfg, 0, sizeof(*cfg));
	cfg->relay_name = "default";
	cfg->stream_prefix = "goodgo";
	cfg->default_family = "events";
	cfg->batch = 1000;
	cfg->batch_max = 4000;
	cfg->overlap = true;
	cfg->poll_ms = 50;
	cfg->once_timeout_s = 60;
	cfg->part_lo = -1;
	cfg->part_hi = -1;
	cfg->redis_timeout_ms = 5000;
	cfg->backoff_max_ms = 30000;
	cfg->standby_retry_ms = 2000;
	cfg->wait_timeout_ms = 1000;
	cfg->unhealthy_after_ms = 30000;
	cfg->log_level = LOG_INFO;
	cfg->redis_url = default_redis_url;
	ParseRedisUrl(cfg->redis_url, &cfg->redis, err, sizeof(err));

	rc = apply_environment(cfg);
	if (rc != 0)
		return rc;

	parsing_cmdline = true;
	while ((c = getopt_long(argc, argv, "d:r:b:hV", long_options, &idx)) != -1)
	{
		const char *name = NULL;
		const struct option *o;

		if (c == '?')
		{
			fprintf(stderr, "Try \"%s --help\" for more information.\n", RELAY_PROGNAME);
			return RELAY_EXIT_USAGE;
		}
		if (c == OPT_HELP)
		{
			usage();
			return RELAY_EXIT_OK;
		}
		if (c == OPT_VERSION)
		{
			printf("%s (goodgo_events) %s\n", RELAY_PROGNAME, RELAY_VERSION);
			return RELAY_EXIT_OK;
		}
		for (o = long_options; o->name != NULL; o++)
			if (o->val == c)
				name = o->name;
		rc = apply_option(cfg, c, name ? name : "?", optarg ? optarg : "");
		if (rc != 0)
			return rc;
	}
	if (optind < argc)
	{
		fprintf(stderr, "%s: too many command-line arguments (first is \"%s\")\n",
				RELAY_PROGNAME, argv[optind]);
		fprintf(stderr, "Try \"%s --help\" for more information.\n", RELAY_PROGNAME);
		return RELAY_EXIT_USAGE;
	}
	if (cfg->batch_max < cfg->batch)
		cfg->batch_max = cfg->batch;
	if (cfg->redis.sentinel_master && cfg->nseeds > 1)
	{
		fprintf(stderr, "%s: invalid value for --redis: a redis-sentinel:// URL must be the only --redis (list every Sentinel in it)\n",
				RELAY_PROGNAME);
		return RELAY_EXIT_USAGE;
	}
	/* seeds[0] is --redis (or the default); the further seeds follow it. */
	if (cfg->nseeds == 0)
	{
		cfg->seeds = calloc(1, sizeof(RedisTarget));
		cfg->nseeds = 1;
	}
	cfg->seeds[0] = cfg->redis;
	if (print_config)
	{
		dump_config(cfg);
		return RELAY_EXIT_OK;
	}
	return -1;
}

/*
 * The stream family of an event: the first matching --route, else the
 * outbox row's own stream name, else --default-stream.
 */
const char *
RouteFamily(const RelayConfig *cfg, const char *event_type, const char *row_stream)
{
	int			i;

	for (i = 0; i < cfg->nroutes; i++)
	{
		const char *pat = cfg->routes[i].pattern;
		size_t		n = strlen(pat);

		if (n > 0 && pat[n - 1] == '*')
		{
			if (strncmp(event_type, pat, n - 1) == 0)
				return cfg->routes[i].family;
		}
		else if (strcmp(event_type, pat) == 0)
			return cfg->routes[i].family;
	}
	if (row_stream != NULL && row_stream[0] != '\0')
		return row_stream;
	return cfg->default_family;
}

/*
 * The family of an outbox row's stream name: the outbox derives names like
 * "goodgo:payment:{outbox:03}"; the relay keeps "goodgo:payment" and puts
 * its own partition tag after it, so every key of a partition shares one tag
 * whatever the rows say.  Writes into buf; returns buf.
 */
const char *
StreamFamily(const char *row_stream, char *buf, size_t buflen)
{
	const char *tag = strstr(row_stream, ":{");
	size_t		n = tag ? (size_t) (tag - row_stream) : strlen(row_stream);

	if (n >= buflen)
		n = buflen - 1;
	memcpy(buf, row_stream, n);
	buf[n] = '\0';
	return buf;
}
