# relay/test/cluster.sh: a Redis Cluster on 127.0.0.1 for the
# test/suites/relay_cluster*.sh suites (sourced after relay/test/lib.sh).
#
# rl_cluster_start NAME starts 6 redis-servers with --cluster-enabled yes
# and joins them with redis-cli --cluster create --cluster-replicas 1 (3
# masters, 3 replicas).  A node's cluster bus listens on port + 10000, so the
# ports come from GG_REDIS_CLUSTER_PORT_BASE, each with its bus port free
# too, and never above 55535.  The default base, 21000, keeps both the ports
# and their bus ports (31000...) below Linux's ephemeral range (32768-60999):
# there a client socket can hold a bus port that no listener shows, and the
# node fails to start.  A node that does not come up is started again on the
# next free port.  The servers are listed in
# RL_REDIS_PIDFILE, so rl_cleanup stops them at exit.

RL_CLUSTER_NODE_TIMEOUT=${RL_CLUSTER_NODE_TIMEOUT:-2000}
# RL_CLUSTER_NODES=3 RL_CLUSTER_REPLICAS=0: three masters only (bench/relay.sh).
RL_CLUSTER_NODES=${RL_CLUSTER_NODES:-6}
RL_CLUSTER_REPLICAS=${RL_CLUSTER_REPLICAS:-1}

# A port p from $1 on with p and p + 10000 both free.
rl_cluster_free_port() {
	local p=$1
	while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null ||
		(exec 3<>"/dev/tcp/127.0.0.1/$((p + 10000))") 2>/dev/null; do
		p=$((p + 1))
	done
	[ "$p" -le 55535 ] || return 1
	echo "$p"
}

# Start node I (0-5) of cluster NAME on its port (kept in its directory).
rl_cluster_node_up() {
	local name=$1 i=$2; shift 2
	local dir=$GG_TMP/cluster-$name/$i port j
	port=$(cat "$dir/port")
	gg_as_owner redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes \
		--pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --save '' --appendonly no \
		--cluster-enabled yes --cluster-config-file nodes.conf \
		--cluster-node-timeout "$RL_CLUSTER_NODE_TIMEOUT" ${RL_CLUSTER_EXTRA:-} "$@"
	for j in $(seq 100); do
		[ -f "$dir/redis.pid" ] && redis-cli -p "$port" ${RL_CLUSTER_AUTH:-} ping 2>/dev/null | grep -q PONG && break
		sleep 0.05
	done
	cat "$dir/redis.pid" >>"$RL_REDIS_PIDFILE"
}

# kill -9 node I of cluster NAME.
rl_cluster_node_kill() {
	local dir=$GG_TMP/cluster-$1/$2 pid
	pid=$(cat "$dir/redis.pid")
	kill -9 "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
	rm -f "$dir/redis.pid"
}

# rl_cluster_start NAME: sets RL_CLUSTER_PORTS (RL_CLUSTER_NODES ports, space separated) and
# RL_CLUSTER_CSV (comma separated); returns non-zero when it did not come up.
rl_cluster_start() {
	local name=$1 i port next dir addrs=
	next=${GG_REDIS_CLUSTER_PORT_BASE:-21000}
	RL_CLUSTER_PORTS=
	for i in $(seq 0 $((RL_CLUSTER_NODES - 1))); do
		dir=$GG_TMP/cluster-$name/$i
		mkdir -p "$dir"
		[ "$(id -u)" -eq 0 ] && chown postgres: "$dir" "$GG_TMP/cluster-$name"
		for try in 1 2 3 4 5; do
			port=$(rl_cluster_free_port "$next") || return 1
			next=$((port + 1))
			echo "$port" >"$dir/port"
			rm -f "$dir/nodes.conf"
			rl_cluster_node_up "$name" "$i"
			redis-cli -p "$port" ${RL_CLUSTER_AUTH:-} ping 2>/dev/null | grep -q PONG && break
			echo "node $i did not start on port $port: $(tail -1 "$dir/redis.log" 2>/dev/null)" >>"$GG_TMP/cluster-$name/create.log"
		done
		RL_CLUSTER_PORTS="$RL_CLUSTER_PORTS $port"
		addrs="$addrs 127.0.0.1:$port"
	done
	RL_CLUSTER_PORTS=${RL_CLUSTER_PORTS# }
	RL_CLUSTER_CSV=$(echo "$RL_CLUSTER_PORTS" | tr ' ' ,)
	redis-cli ${RL_CLUSTER_AUTH:-} --cluster create $addrs --cluster-replicas "$RL_CLUSTER_REPLICAS" --cluster-yes \
		>"$GG_TMP/cluster-$name/create.log" 2>&1 || return 1
	rl_cluster_wait_ok 30
}

# Wait until every live node says cluster_state:ok and the replicas are in sync.
rl_cluster_wait_ok() {
	local secs=${1:-30} i p ok
	for i in $(seq $((secs * 10))); do
		ok=1
		for p in $RL_CLUSTER_PORTS; do
			redis-cli -p "$p" ${RL_CLUSTER_AUTH:-} ping >/dev/null 2>&1 || continue
			redis-cli -p "$p" ${RL_CLUSTER_AUTH:-} cluster info 2>/dev/null | grep -q 'cluster_state:ok' || ok=0
			if redis-cli -p "$p" ${RL_CLUSTER_AUTH:-} role 2>/dev/null | head -1 | grep -q slave; then
				redis-cli -p "$p" ${RL_CLUSTER_AUTH:-} info replication | grep -q 'master_link_status:up' || ok=0
			fi
		done
		[ $ok -eq 1 ] && return 0
		sleep 0.1
	done
	return 1
}

# rl_cluster_settled SECS: wait (at most SECS) until the cluster has settled
# after a fault: every live node says cluster_state:ok, no node flags another
# fail or pfail, all nodes give the same roles and slot map, that map has not
# changed for 3 s (longer than the node timeout: a replica resumed after its
# master was marked failed may still win an election and take over), and
# redis-cli --cluster check reports no error or warning.  A reshard started
# before that fails ("Nodes don't agree about configuration!") or moves
# slots from a node that is no longer their master.
rl_cluster_topology() {	# PORT: "id role master slots" per node, sorted
	redis-cli -p "$1" ${RL_CLUSTER_AUTH:-} cluster nodes 2>/dev/null |
		awk '{ f = $3; sub(/^myself,/, "", f); s = ""; for (i = 9; i <= NF; i++) s = s " " $i; print $1, f, $4, s }' | sort
}
rl_cluster_settled() {
	local secs=${1:-60} i p sig prev= since= first ok
	for i in $(seq $((secs * 5))); do
		ok=1 first=
		for p in $RL_CLUSTER_PORTS; do
			redis-cli -p "$p" ${RL_CLUSTER_AUTH:-} ping >/dev/null 2>&1 || continue
			redis-cli -p "$p" ${RL_CLUSTER_AUTH:-} cluster info 2>/dev/null | grep -q 'cluster_state:ok' || ok=0
			sig=$(rl_cluster_topology "$p")
			echo "$sig" | grep -q 'fail\|handshake\|noaddr' && ok=0
			if [ -z "$first" ]; then first=$sig; elif [ "$sig" != "$first" ]; then ok=0; fi
		done
		if [ $ok -eq 1 ] && [ "$first" = "$prev" ]; then
			[ -n "$since" ] || since=$(date +%s%N)
			if [ $(( ($(date +%s%N) - since) / 1000000 )) -ge 3000 ] &&
				! redis-cli ${RL_CLUSTER_AUTH:-} --cluster check "127.0.0.1:$(rl_cluster_any)" 2>&1 |
					grep -q '^\[ERR\]\|^\[WARNING\]\|do not agree\|don.t agree'; then
				return 0
			fi
		else
			since=
		fi
		prev=$first
		sleep 0.2
	done
	return 1
}

# A live node's port.
rl_cluster_any() {
	local p
	for p in $RL_CLUSTER_PORTS; do
		redis-cli -p "$p" ${RL_CLUSTER_AUTH:-} ping >/dev/null 2>&1 && { echo "$p"; return 0; }
	done
	return 1
}

# The slot of a key, by Redis itself.
rl_cluster_keyslot() {
	redis-cli -p "$(rl_cluster_any)" ${RL_CLUSTER_AUTH:-} cluster keyslot "$1"
}

# The port of the master that owns slot $1 now.
rl_cluster_owner() {
	redis-cli -p "$(rl_cluster_any)" ${RL_CLUSTER_AUTH:-} cluster nodes | awk -v s="$1" '
		$3 ~ /master/ && $3 !~ /fail/ {
			for (i = 9; i <= NF; i++) {
				if ($i ~ /^\[/) continue
				n = split($i, a, "-"); lo = a[1] + 0; hi = (n == 2 ? a[2] : a[1]) + 0
				if (s + 0 >= lo && s + 0 <= hi) { split($2, h, "@"); m = split(h[1], q, ":"); print q[m]; exit }
			}
		}'
}

# The node id of the master on port $1.
rl_cluster_id() {
	redis-cli -p "$1" ${RL_CLUSTER_AUTH:-} cluster myid
}

# The ports of the masters now (live, not failed).
rl_cluster_masters() {
	local p
	for p in $RL_CLUSTER_PORTS; do
		redis-cli -p "$p" ${RL_CLUSTER_AUTH:-} role 2>/dev/null | head -1 | grep -qx master && echo "$p"
	done
}

# Which node index (0-5) of cluster NAME listens on port $2.
rl_cluster_index() {
	local i
	for i in 0 1 2 3 4 5; do
		[ "$(cat "$GG_TMP/cluster-$1/$i/port")" = "$2" ] && { echo "$i"; return 0; }
	done
	return 1
}
