/*
 * test_relay_errors.c
 *		Unit test of goodgo-relay's failure classification (relay/status.c):
 *		which Redis replies and PostgreSQL errors end --once at once
 *		(permanent) and which are retried (transient).  Built and run by
 *		test/suites/relay_errors.sh; prints one PASS/FAIL line per case.
 */
#include <stdio.h>
#include <string.h>

#include "relay.h"

static int	failures = 0;

static void
check(const char *name, ErrorClass got, ErrorClass want)
{
	printf("%s relay_errors:%s\n", got == want ? "PASS" : "FAIL", name);
	if (got != want)
		failures++;
}

#define P ERRCLASS_PERMANENT
#define T ERRCLASS_TRANSIENT

int
main(void)
{
	/* Redis replies, as Redis 7.0 words them. */
	check("redis_io_error", RedisErrorClass(NULL), T);
	check("redis_noauth", RedisErrorClass("NOAUTH Authentication required."), P);
	check("redis_wrongpass", RedisErrorClass("WRONGPASS invalid username-password pair or user is disabled."), P);
	check("redis_noperm_command", RedisErrorClass("NOPERM this user has no permissions to run the 'xadd' command"), P);
	check("redis_noperm_key", RedisErrorClass("NOPERM this user has no permissions to access one of the keys used as arguments"), P);
	check("redis_auth_without_password", RedisErrorClass("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"), P);
	check("redis_invalid_password_5", RedisErrorClass("ERR invalid password"), P);
	check("redis_db_out_of_range", RedisErrorClass("ERR DB index is out of range"), P);
	check("redis_unknown_command", RedisErrorClass("ERR unknown command 'XADD', with args beginning with: "), P);
	check("redis_loading", RedisErrorClass("LOADING Redis is loading the dataset in memory"), T);
	check("redis_tryagain", RedisErrorClass("TRYAGAIN Multiple keys request during rehashing of slot"), T);
	check("redis_clusterdown", RedisErrorClass("CLUSTERDOWN The cluster is down"), T);
	check("redis_oom", RedisErrorClass("OOM command not allowed when used memory > 'maxmemory'."), T);
	check("redis_busy", RedisErrorClass("BUSY Redis is busy running a script."), T);
	check("redis_readonly", RedisErrorClass("READONLY You can't write against a read only replica."), T);
	check("redis_masterdown", RedisErrorClass("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."), T);
	check("redis_misconf", RedisErrorClass("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk."), T);
	check("redis_moved", RedisErrorClass("MOVED 3999 127.0.0.1:6381"), T);
	check("redis_execabort", RedisErrorClass("EXECABORT Transaction discarded because of previous errors."), T);

	/* PostgreSQL statements, by SQLSTATE. */
	check("pg_permission_denied", PgErrorClass("42501", "permission denied for function relay_claim"), P);
	check("pg_no_schema", PgErrorClass("3F000", "schema \"goodgo_events\" does not exist"), P);
	check("pg_no_function", PgErrorClass("42883", "function goodgo_events.relay_claim(text, integer, integer) does not exist"), P);
	check("pg_invalid_password", PgErrorClass("28P01", "password authentication failed for user \"relay\""), P);
	check("pg_no_database", PgErrorClass("3D000", "database \"x\" does not exist"), P);
	check("pg_admin_shutdown", PgErrorClass("57P01", "terminating connection due to administrator command"), T);
	check("pg_cannot_connect_now", PgErrorClass("57P03", "the database system is starting up"), T);
	check("pg_serialization", PgErrorClass("40001", "could not serialize access"), T);
	check("pg_deadlock", PgErrorClass("40P01", "deadlock detected"), T);
	check("pg_read_only", PgErrorClass("25006", "cannot execute INSERT in a read-only transaction"), T);
	check("pg_too_many_connections", PgErrorClass("53300", "sorry, too many clients already"), T);
	check("pg_api_misuse", PgErrorClass("22023", "batch 3 of relay \"r\" partition 0 is not open"), T);

	/* PostgreSQL connection failures, by libpq's message (no SQLSTATE). */
	check("pgconn_refused", PgErrorClass(NULL, "connection to server at \"127.0.0.1\", port 5 failed: Connection refused"), T);
	check("pgconn_timeout", PgErrorClass(NULL, "connection to server at \"10.0.0.1\", port 5432 failed: timeout expired"), T);
	check("pgconn_starting_up", PgErrorClass(NULL, "connection to server on socket \"/s\" failed: FATAL:  the database system is starting up"), T);
	check("pgconn_not_accepting", PgErrorClass(NULL, "FATAL:  database \"app\" is not currently accepting connections"), T);
	check("pgconn_password", PgErrorClass(NULL, "FATAL:  password authentication failed for user \"relay\""), P);
	check("pgconn_no_password", PgErrorClass(NULL, "fe_sendauth: no password supplied"), P);
	check("pgconn_no_database", PgErrorClass(NULL, "FATAL:  database \"nosuch\" does not exist"), P);
	check("pgconn_no_role", PgErrorClass(NULL, "FATAL:  role \"nosuch\" does not exist"), P);
	check("pgconn_hba", PgErrorClass(NULL, "FATAL:  no pg_hba.conf entry for host \"10.0.0.2\", user \"relay\", database \"app\""), P);
	check("pgconn_nologin", PgErrorClass(NULL, "FATAL:  role \"x\" is not permitted to log in"), P);
	return failures > 0;
}
