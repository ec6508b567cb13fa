# goodgo-relay: command line.  --help, --version, bad options and values
# (exit 2 with a message on stderr), redis:// URL forms and environment
# variables, read back with --print-config.
set -uo pipefail
RL_SUITE=relay_options
. "$GG_ROOT/relay/test/lib.sh"
out=$GG_TMP/relay_options.out
err=$GG_TMP/relay_options.err

[ -x "$RELAY" ] && rl_pass installed_in_bindir || { rl_fail installed_in_bindir "$RELAY"; exit 0; }

"$RELAY" --help >"$out" 2>"$err"; rc=$?
rl_check help_exit_0 [ $rc -eq 0 ]
rl_check help_lists_options grep -q -- '--redis=URL' "$out"
for o in --db --stream-prefix --route --batch --poll-interval --maxlen --once --metrics-port --ids --version --wait-replicas --wait-timeout --unhealthy-after; do
	grep -q -- "$o" "$out" || { rl_fail "help_mentions$o"; continue; }
done
rl_pass help_mentions_every_option
rl_check help_stderr_empty [ ! -s "$err" ]

"$RELAY" --version >"$out" 2>&1; rc=$?
want=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$GG_ROOT/goodgo_events.control")
rl_check version_exit_0 [ $rc -eq 0 ]
rl_check version_text [ "$(cat "$out")" = "goodgo-relay (goodgo_events) $want" ]

# bad_usage NAME EXPECTED-STDERR-REGEX ARGS...: exit 2, message, nothing on stdout.
bad_usage() {
	local name=$1 re=$2; shift 2
	"$RELAY" "$@" >"$out" 2>"$err"; local rc=$?
	if [ $rc -eq 2 ] && grep -Eq -- "$re" "$err" && grep -q 'Try "goodgo-relay --help"' "$err" && [ ! -s "$out" ]; then
		rl_pass "$name"
	else
		rl_fail "$name" "rc=$rc stderr=$(head -c 300 "$err")"
	fi
}
bad_usage unknown_option "unrecognized option '--bogus'" --bogus
bad_usage missing_argument "requires an argument" --batch
bad_usage extra_argument 'too many command-line arguments \(first is "extra"\)' extra
bad_usage batch_not_a_number 'invalid value "ten" for option --batch' --batch ten
bad_usage batch_zero 'invalid value "0" for option --batch' --batch 0
bad_usage batch_max_zero 'invalid value "0" for option --batch-max' --batch-max 0
bad_usage poll_negative 'invalid value "-5" for option --poll-interval' --poll-interval=-5
bad_usage maxlen_garbage 'invalid value "~x" for option --maxlen' --maxlen '~x'
bad_usage ids_unknown 'must be "deterministic" or "auto"' --ids random
bad_usage partitions_reversed 'expected A or A-B' --partitions 5-2
bad_usage metrics_port_range 'invalid value "70000" for option --metrics-port' --metrics-port 70000
bad_usage log_level_unknown 'must be debug, info, warning or error' --log-level loud
bad_usage redis_not_url 'expected a redis:// URL' --redis http://x
bad_usage redis_tls_refused 'TLS is not supported.*TLS tunnel' --redis rediss://h:6380
bad_usage redis_bad_port 'invalid port' --redis redis://h:99999
bad_usage redis_bad_db 'the database after "/" must be a number' --redis redis://h/x
bad_usage prefix_with_brace 'no "\{" or "\}"' --stream-prefix 'a{b}'
bad_usage route_without_family 'expected TYPE=FAMILY' --route payment.completed
# A brace in a family would put a key's hash tag elsewhere: its partition's keys would not share one cluster slot.
bad_usage route_family_with_brace 'a stream family must contain no "\{" or "\}"' --route 'payment.*=pay{x}'
bad_usage default_stream_with_brace 'no "\{" or "\}"' --default-stream 'ev}ents'
bad_usage wait_replicas_negative 'invalid value "-1" for option --wait-replicas' --wait-replicas=-1
bad_usage wait_timeout_zero 'invalid value "0" for option --wait-timeout' --wait-timeout 0
bad_usage unhealthy_after_too_short 'invalid value "500" for option --unhealthy-after' --unhealthy-after 500
bad_usage second_seed_bad 'invalid value "http://x" for option --redis' --redis redis://a:7000 --redis http://x
GOODGO_RELAY_BATCH=abc bad_usage env_bad_value 'environment variable GOODGO_RELAY_BATCH' --print-config

# config NAME EXPECTED-LINES ARGS...: --print-config shows exactly these lines (among others).
config() {
	local name=$1 want=$2 line ok=1; shift 2
	if ! "$RELAY" "$@" --print-config >"$out" 2>"$err"; then
		rl_fail "$name" "exit $? $(head -c 300 "$err")"; return
	fi
	while IFS= read -r line; do
		grep -qxF -- "$line" "$out" || { ok=0; rl_log "$name: missing line '$line'"; }
	done <<<"$want"
	[ $ok -eq 1 ] && rl_pass "$name" || rl_fail "$name"
}
config defaults "redis.host=127.0.0.1
redis.port=6379
redis.db=0
name=default
stream-prefix=goodgo
batch=1000
batch-max=4000
poll-interval=50
maxlen=0
ids=deterministic
partitions=all
once=no
metrics-port=0"
config url_user_password_db "redis.host=cache.internal
redis.port=6380
redis.user=relay
redis.password=(set)
redis.db=4" --redis 'redis://relay:s%40cret@cache.internal:6380/4'
config url_password_only "redis.user=
redis.password=(set)
redis.port=6379" --redis 'redis://:pw@h'
config url_ipv6 "redis.host=::1
redis.port=7001" --redis 'redis://[::1]:7001'
config unix_socket "redis.socket=/run/redis/redis.sock
redis.db=2" --redis 'unix:///run/redis/redis.sock?db=2'
config bare_socket_path "redis.socket=/tmp/r.sock" --redis /tmp/r.sock
config maxlen_tilde "maxlen=100000" --maxlen '~100000'
config routes_in_order "route=payment.*=payments
route=kyc.verified=kyc" --route 'payment.*=payments' --route kyc.verified=kyc
config partitions_range "partitions=2-5" --partitions 2-5
config batch_max_at_least_batch "batch=20000
batch-max=20000" --batch 20000
GOODGO_RELAY_BATCH=250 GOODGO_RELAY_ONCE=1 config environment "batch=250
once=yes"
GOODGO_RELAY_BATCH=250 config flag_beats_environment "batch=300" --batch 300
config cluster_defaults "redis.seeds=1
wait-replicas=0
wait-timeout=1000
unhealthy-after=30000"
# --redis is repeatable: the first is the seed the credentials come from, the others follow.
config several_seeds "redis.host=a
redis.port=7000
redis.user=u
redis.seeds=3
redis.seed=b:7001
redis.seed=c:7002" --redis redis://u:p@a:7000 --redis redis://b:7001 --redis redis://c:7002
GOODGO_RELAY_REDIS=redis://env:1 config flag_seed_replaces_environment "redis.host=a
redis.seeds=2
redis.seed=b:7001" --redis redis://a:7000 --redis redis://b:7001
config wait_and_health "wait-replicas=1
wait-timeout=250
unhealthy-after=5000" --wait-replicas 1 --wait-timeout 250 --unhealthy-after 5000
# The password itself is never printed.
"$RELAY" --redis 'redis://u:hunter2@h' --print-config >"$out" 2>&1
rl_check password_not_printed sh -c "! grep -q hunter2 '$out'"
exit 0
