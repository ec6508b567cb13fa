/*
 * cluster.c
 *		Where a key lives: one Redis server, or the owner of its slot in a
 *		Redis Cluster.
 *
 * hiredis 0.14 has no cluster support, so the routing is ours.  The rest of
 * the relay sees a Router: "the connection of the node that owns this
 * slot", "that node's connection broke", "Redis answered MOVED/ASK".
 * Standalone Redis is the same Router with one node owning every slot, so
 * the callers have one code path.
 *
 *	- Mode: the first seed of --redis (repeatable) that answers says, in
 *	  INFO cluster, whether it is a cluster node (cluster_enabled:1).
 *	- Slot map: CLUSTER SHARDS (Redis 7.0+: it carries each node's health,
 *	  and a node whose health is not "online" is never tried), else CLUSTER
 *	  SLOTS.  Asked of any node that answers: the live connections first,
 *	  then every node the last map named, then the seeds.  Reloaded after a
 *	  MOVED, after a node's connection broke, and every few seconds while
 *	  some slot we use has no reachable owner.
 *	- Connections: one per master, opened when a slot it owns is first
 *	  used, with the credentials of the first seed (one ACL user for the
 *	  whole cluster).  A node whose connection failed is not tried again
 *	  for a jittered, growing delay; only the partitions it owns wait.
 *	- Key slot: CRC16 (XMODEM) of the hash tag, mod 16384.  Every key of an
 *	  outbox partition carries the tag {<prefix>:p<N>}, so a partition maps
 *	  to exactly one slot and a chunk is one MULTI/EXEC on one node.
 *	- Loss suspicion: when a slot's new owner was a replica of its old one
 *	  (a failover), or a node comes back after its connection broke (it may
 *	  have restarted empty), the slots it owns are marked suspect; the main
 *	  loop then compares the partition's stream tops with the acknowledged
 *	  position.  A slot moving to another shard (a reshard) is not suspect:
 *	  its keys move with their entries.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "relay.h"

#define NSLOTS 16384
#define MAP_REFRESH_MIN_S 0.1	/* at most ten map reloads a second */
#define MAP_REFRESH_IDLE_S 5.0	/* a slot without a reachable owner: reload this often */

typedef struct RedisNode
{
	char	   *host;			/* NULL for a Unix socket (standalone only) */
	int			port;
	redisContext *c;
	bool		healthy;		/* the last map says so (CLUSTER SHARDS health) */
	bool		broke;			/* its connection failed: suspect when it comes back */
	int			master;			/* index of its master in the last map; itself for a master */
	int			failures;		/* consecutive failed connects */
	double		retry_at;		/* not before then */
} RedisNode;

struct Router
{
	const RelayConfig *cfg;
	bool		cluster;
	RedisNode  *nodes;			/* grows; an index stays valid for the Router's life */
	int			nnodes;
	int			owner[NSLOTS];	/* master node of every slot, -1 unknown */
	unsigned char suspect[NSLOTS];
	double		last_refresh;
	bool		refresh_wanted;
	int			standalone_seed;	/* the seed that answered, standalone mode */
	bool		sentinel;		/* standalone, its master named by Sentinels */
};

/* CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, no reflection. */
static unsigned short crc_table[256];
static bool crc_ready = false;

static void
crc_init(void)
{
	int			i,
				b;

	for (i = 0; i < 256; i++)
	{
		unsigned short v = (unsigned short) (i << 8);

		for (b = 0; b < 8; b++)
			v = (v & 0x8000) ? (unsigned short) ((v << 1) ^ 0x1021) : (unsigned short) (v << 1);
		crc_table[i] = v;
	}
	crc_ready = true;
}

static unsigned short
crc16(const char *s, size_t len)
{
	unsigned short crc = 0;
	size_t		i;

	if (!crc_ready)
		crc_init();
	for (i = 0; i < len; i++)
		crc = (unsigned short) ((crc << 8) ^ crc_table[((crc >> 8) ^ (unsigned char) s[i]) & 0xff]);
	return crc;
}

/* The cluster slot of a key: its hash tag's (first {...}, non-empty) or the whole key's. */
int
KeySlot(const char *key, size_t len)
{
	size_t		open,
				close;

	for (open = 0; open < len && key[open] != '{'; open++)
		;
	if (open < len)
	{
		for (close = open + 1; close < len && key[close] != '}'; close++)
			;
		if (close < len && close > open + 1)
			return crc16(key + open + 1, close - open - 1) & (NSLOTS - 1);
	}
	return crc16(key, len) & (NSLOTS - 1);
}

/* The slot of every key of outbox partition part. */
int
PartitionSlot(const RelayConfig *cfg, int part)
{
	char		key[512];

	StreamKey(cfg, cfg->default_family, part, false, key, sizeof(key));
	return KeySlot(key, strlen(key));
}

/*
 * Every stream family the configuration can name must keep the partition's
 * hash tag: its keys would otherwise land in other slots, and a chunk could
 * not be one MULTI/EXEC on one node.  NULL when they all do, else the
 * offending family.  (Braces are refused by the option parser already; this
 * checks the keys as they are built, so a future key format cannot break it
 * silently.)
 */
const char *
CheckHashTags(const RelayConfig *cfg)
{
	int			i,
				part;
	char		key[512];

	for (part = 0; part < 3; part++)
	{
		int			slot = PartitionSlot(cfg, part);

		for (i = -1; i < cfg->nroutes; i++)
		{
			const char *fam = i < 0 ? cfg->default_family : cfg->routes[i].family;

			StreamKey(cfg, fam, part, false, key, sizeof(key));
			if (KeySlot(key, strlen(key)) != slot)
				return fam;
			StreamKey(cfg, fam, part, true, key, sizeof(key));
			if (KeySlot(key, strlen(key)) != slot)
				return fam;
		}
	}
	return NULL;
}

static int
find_node(Router *rt, const char *host, int port)
{
	int			i;

	for (i = 0; i < rt->nnodes; i++)
		if (rt->nodes[i].host && strcmp(rt->nodes[i].host, host) == 0 && rt->nodes[i].port == port)
			return i;
	return -1;
}

static int
add_node(Router *rt, const char *host, int port)
{
	int			i = find_node(rt, host, port);
	RedisNode  *n;

	if (i >= 0)
		return i;
	rt->nodes = realloc(rt->nodes, sizeof(RedisNode) * (rt->nnodes + 1));
	n = &rt->nodes[rt->nnodes];
	memset(n, 0, sizeof(*n));
	n->host = strdup(host);
	n->port = port;
	n->healthy = true;
	n->master = rt->nnodes;
	return rt->nnodes++;
}

/*
 * Sentinel: ask the Sentinels in turn for the address of the master, and
 * connect to it with the URL's credentials.  A node that says it is a
 * replica (a Sentinel that has not seen the failover yet) is passed over; a
 * user whose ACL lacks ROLE takes the Sentinel's word.  The first master
 * reached wins: *host (allocated) and *port say which.  NULL when none
 * (logged, noted as transient: the daemon and --once retry).
 */
static redisContext *
sentinel_connect_master(const RelayConfig *cfg, char **host, int *port)
{
	const RedisTarget *u = &cfg->redis;
	int			i;
	char		line[600];

	for (i = 0; i < u->nsentinels; i++)
	{
		RedisTarget st;
		RedisTarget mt;
		redisContext *sc;
		redisContext *mc;
		redisReply *r;
		char	   *h = NULL;
		int			p = 0;

		memset(&st, 0, sizeof(st));
		st.host = u->sentinel_host[i];
		st.port = u->sentinel_port[i];
		sc = RedisConnectTarget(cfg, &st);
		if (sc == NULL)
			continue;
		r = redisCommand(sc, "SENTINEL get-master-addr-by-name %s", u->sentinel_master);
		if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
			r->element[0]->type == REDIS_REPLY_STRING && r->element[1]->type == REDIS_REPLY_STRING)
		{
			h = strdup(r->element[0]->str);
			p = atoi(r->element[1]->str);
		}
		else
			relay_log(LOG_WARNING, "msg=\"Sentinel %s:%d names no master called %s: %s\"",
					  st.host, st.port, u->sentinel_master,
					  r == NULL ? sc->errstr : r->type == REDIS_REPLY_ERROR ? r->str : "no such master");
		if (r)
			freeReplyObject(r);
		redisFree(sc);
		if (h == NULL)
			continue;
		mt = *u;
		mt.host = h;
		mt.port = p;
		mt.unix_path = NULL;
		mc = RedisConnectTarget(cfg, &mt);
		if (mc == NULL)
		{
			free(h);
			continue;
		}
		r = redisCommand(mc, "ROLE");
		if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
			r->element[0]->type == REDIS_REPLY_STRING && strcmp(r->element[0]->str, "master") != 0)
		{
			relay_log(LOG_WARNING, "msg=\"Sentinel %s:%d names %s:%d as master of %s, but it is a %s\"",
					  st.host, st.port, h, p, u->sentinel_master, r->element[0]->str);
			freeReplyObject(r);
			redisFree(mc);
			free(h);
			continue;
		}
		if (r)
			freeReplyObject(r);
		*host = h;
		*port = p;
		return mc;
	}
	snprintf(line, sizeof(line), "no Sentinel named a reachable master called %s", u->sentinel_master);
	relay_log(LOG_WARNING, "msg=\"%s\" sentinels=%d", line, u->nsentinels);
	NoteFailure(SERVER_REDIS, ERRCLASS_TRANSIENT, line);
	return NULL;
}

/* Connect to node i with the seed's credentials; NULL on failure (logged). */
static redisContext *
node_connect(Router *rt, int i)
{
	RedisNode  *n = &rt->nodes[i];
	RedisTarget t = rt->cluster ? rt->cfg->redis : rt->cfg->seeds[rt->standalone_seed];

	if (rt->sentinel)
	{
		/*
		 * Ask again at every reconnect: a failover changes the address.  A
		 * new master may lack entries the old one acknowledged (replication
		 * is asynchronous): every partition is compared with the acked
		 * positions before anything newer goes to it.
		 */
		char	   *host = NULL;
		int			port = 0;
		redisContext *c = sentinel_connect_master(rt->cfg, &host, &port);
		int			s;

		if (c == NULL)
			return NULL;
		if (n->host == NULL || strcmp(n->host, host) != 0 || n->port != port)
		{
			relay_log(LOG_WARNING, "msg=\"the Sentinels name a new master\" master=%s old=%s:%d new=%s:%d",
					  rt->cfg->redis.sentinel_master, n->host ? n->host : "", n->port, host, port);
			for (s = 0; s < NSLOTS; s++)
				rt->suspect[s] = 1;
		}
		free(n->host);
		n->host = host;
		n->port = port;
		return c;
	}

	if (rt->cluster)
	{
		t.host = n->host;
		t.port = n->port;
		t.unix_path = NULL;
	}
	return RedisConnectTarget(rt->cfg, &t);
}

static void
node_drop(Router *rt, int i, bool broke)
{
	RedisNode  *n = &rt->nodes[i];

	if (n->c)
		redisFree(n->c);
	n->c = NULL;
	if (broke)
	{
		n->broke = true;
		n->retry_at = NowSeconds() + BackoffDelay(n->failures++, rt->cfg->backoff_max_ms) / 1000.0;
	}
}

/* Mark every slot node i owns suspect of loss. */
static void
suspect_node_slots(Router *rt, int i)
{
	int			s;

	for (s = 0; s < NSLOTS; s++)
		if (rt->owner[s] == i)
			rt->suspect[s] = 1;
}

/* The connection of node i, opened if need be; NULL when it cannot be had now. */
static redisContext *
node_get(Router *rt, int i)
{
	RedisNode  *n = &rt->nodes[i];

	if (n->c)
		return n->c;
	if (!n->healthy || NowSeconds() < n->retry_at)
		return NULL;
	n->c = node_connect(rt, i);
	if (n->c == NULL)
	{
		n->broke = true;
		n->retry_at = NowSeconds() + BackoffDelay(n->failures++, rt->cfg->backoff_max_ms) / 1000.0;
		rt->refresh_wanted = true;
		return NULL;
	}
	n->failures = 0;
	if (n->broke)
	{
		/* Back after a failure: it may have restarted and lost data. */
		n->broke = false;
		suspect_node_slots(rt, i);
	}
	return n->c;
}

/* Field name of a RESP2 flattened map: the value after it, or NULL. */
static redisReply *
map_get(redisReply *m, const char *name)
{
	size_t		i;

	if (m == NULL || m->type != REDIS_REPLY_ARRAY)
		return NULL;
	for (i = 0; i + 1 < m->elements; i += 2)
		if (m->element[i]->type == REDIS_REPLY_STRING && strcmp(m->element[i]->str, name) == 0)
			return m->element[i + 1];
	return NULL;
}

static long
reply_int(const redisReply *r)
{
	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER)
		return (long) r->integer;
	if (r->type == REDIS_REPLY_STRING)
		return strtol(r->str, NULL, 10);
	return -1;
}

/*
 * Parse a CLUSTER SHARDS reply into owner[] and the nodes' health and
 * masters.  false when it is not one.
 */
static bool
parse_shards(Router *rt, redisReply *r, int *owner)
{
	size_t		s;

	if (r->type != REDIS_REPLY_ARRAY)
		return false;
	for (s = 0; s < r->elements; s++)
	{
		redisReply *slots = map_get(r->element[s], "slots");
		redisReply *nodes = map_get(r->element[s], "nodes");
		int			master = -1;
		int			members[32];
		int			nmembers = 0;
		size_t		j;

		if (slots == NULL || nodes == NULL || slots->type != REDIS_REPLY_ARRAY ||
			nodes->type != REDIS_REPLY_ARRAY)
			return false;
		for (j = 0; j < nodes->elements; j++)
		{
			redisReply *nd = nodes->element[j];
			redisReply *ip = map_get(nd, "ip");
			redisReply *role = map_get(nd, "role");
			redisReply *health = map_get(nd, "health");
			long		port = reply_int(map_get(nd, "port"));
			int			idx;

			if (ip == NULL || ip->type != REDIS_REPLY_STRING || port <= 0)
				continue;
			idx = add_node(rt, ip->str, (int) port);
			rt->nodes[idx].healthy = health == NULL || health->type != REDIS_REPLY_STRING ||
				strcmp(health->str, "online") == 0;
			/* Mid-failover a shard can list two masters: the online one owns the slots. */
			if (role && role->type == REDIS_REPLY_STRING && strcmp(role->str, "master") == 0 &&
				(master < 0 || !rt->nodes[master].healthy))
				master = idx;
			if (nmembers < 32)
				members[nmembers++] = idx;
		}
		for (j = 0; j < (size_t) nmembers; j++)
			rt->nodes[members[j]].master = master >= 0 ? master : members[j];
		for (j = 0; master >= 0 && j + 1 < slots->elements; j += 2)
		{
			long		lo = reply_int(slots->element[j]),
						hi = reply_int(slots->element[j + 1]),
						k;

			for (k = lo; k >= 0 && k <= hi && k < NSLOTS; k++)
				owner[k] = master;
		}
	}
	return true;
}

/* Parse a CLUSTER SLOTS reply (Redis before 7.0: no health). */
static bool
parse_slots(Router *rt, redisReply *r, int *owner)
{
	size_t		i,
				j;

	if (r->type != REDIS_REPLY_ARRAY)
		return false;
	for (i = 0; i < r->elements; i++)
	{
		redisReply *e = r->element[i];
		long		lo,
					hi,
					k;
		int			master = -1;

		if (e->type != REDIS_REPLY_ARRAY || e->elements < 3)
			return false;
		lo = reply_int(e->element[0]);
		hi = reply_int(e->element[1]);
		for (j = 2; j < e->elements; j++)
		{
			redisReply *nd = e->element[j];
			int			idx;

			if (nd->type != REDIS_REPLY_ARRAY || nd->elements < 2 ||
				nd->element[0]->type != REDIS_REPLY_STRING)
				continue;
			idx = add_node(rt, nd->element[0]->str, (int) reply_int(nd->element[1]));
			rt->nodes[idx].healthy = true;
			if (j == 2)
				master = idx;
			rt->nodes[idx].master = master >= 0 ? master : idx;
		}
		for (k = lo; master >= 0 && k >= 0 && k <= hi && k < NSLOTS; k++)
			owner[k] = master;
	}
	return true;
}

/* Ask node i for the slot map; true when it gave one. */
static bool
load_map_from(Router *rt, int i, int *owner)
{
	redisContext *c = rt->nodes[i].c;
	bool		opened = false;
	redisReply *r;
	bool		ok = false;
	int			slot;

	if (c == NULL)
	{
		if (NowSeconds() < rt->nodes[i].retry_at)
			return false;
		c = node_connect(rt, i);
		if (c == NULL)
			return false;
		opened = true;
	}
	/* A reply that did not parse must not leave half a map for the next node's. */
	for (slot = 0; slot < NSLOTS; slot++)
		owner[slot] = -1;
	r = redisCommand(c, "CLUSTER SHARDS");
	if (r && r->type == REDIS_REPLY_ARRAY)
		ok = parse_shards(rt, r, owner);
	else if (r && r->type == REDIS_REPLY_ERROR)
	{
		freeReplyObject(r);
		r = redisCommand(c, "CLUSTER SLOTS");
		if (r && r->type == REDIS_REPLY_ARRAY)
			ok = parse_slots(rt, r, owner);
	}
	if (r == NULL)
	{
		relay_log(LOG_WARNING, "msg=\"could not read the cluster slot map from %s:%d: %s\"",
				  rt->nodes[i].host, rt->nodes[i].port, c->errstr);
		if (!opened)
			node_drop(rt, i, true);
	}
	if (r)
		freeReplyObject(r);
	if (opened)
		redisFree(c);
	return ok;
}

/*
 * Did a slot go from master was to master now by a failover (rather than a
 * reshard)?  Yes when now was was's replica in the previous map, or when was
 * is no healthy master any more (flagged failed, gone, or back as a
 * replica): a reshard moves slots between two live masters, with their keys.
 */
static bool
failed_over(const Router *rt, int was, int now, int nold, const int *old_master)
{
	if (now < nold && old_master != NULL && old_master[now] == was)
		return true;
	return !rt->nodes[was].healthy || rt->nodes[was].master != was;
}

/*
 * Reload the slot map.  A slot whose owner changed by a failover is marked
 * suspect (failed_over).  true when a map was read.
 */
static bool
refresh_map(Router *rt, bool force)
{
	int		   *owner;
	int		   *old_master;
	int			i,
				s,
				nold;
	bool		ok = false;

	if (!rt->cluster)
		return true;
	if (!force && NowSeconds() - rt->last_refresh < MAP_REFRESH_MIN_S)
		return false;
	rt->last_refresh = NowSeconds();
	owner = malloc(sizeof(int) * NSLOTS);
	for (s = 0; s < NSLOTS; s++)
		owner[s] = -1;
	nold = rt->nnodes;
	old_master = malloc(sizeof(int) * (nold + 1));
	for (i = 0; i < nold; i++)
		old_master[i] = rt->nodes[i].master;
	/* Live connections first, then every node we know (seeds included). */
	for (i = 0; i < rt->nnodes && !ok; i++)
		if (rt->nodes[i].c)
			ok = load_map_from(rt, i, owner);
	for (i = 0; i < rt->nnodes && !ok; i++)
		if (rt->nodes[i].c == NULL)
			ok = load_map_from(rt, i, owner);
	if (ok)
	{
		int			moved = 0,
					failovers = 0;

		for (s = 0; s < NSLOTS; s++)
		{
			int			was = rt->owner[s],
						now = owner[s];

			if (was == now)
				continue;
			moved++;
			if (was >= 0 && now >= 0 && failed_over(rt, was, now, nold, old_master))
			{
				rt->suspect[s] = 1;
				failovers++;
			}
			rt->owner[s] = now;
		}
		/* A node that is no master of anything any more: close it. */
		for (i = 0; i < rt->nnodes; i++)
			if (rt->nodes[i].c && rt->nodes[i].master != i)
				node_drop(rt, i, false);
		if (moved > 0)
			relay_log(LOG_INFO, "msg=\"cluster slot map changed\" slots_moved=%d slots_failed_over=%d nodes=%d",
					  moved, failovers, rt->nnodes);
		rt->refresh_wanted = false;
	}
	else
		relay_log(LOG_WARNING, "msg=\"could not read the cluster slot map from any node\"");
	free(owner);
	free(old_master);
	return ok;
}

/*
 * Connect to the first seed that answers, find out whether it is a cluster
 * node, load the slot map.  NULL when no seed answered (logged).
 */
Router *
RouterOpen(const RelayConfig *cfg)
{
	Router	   *rt = calloc(1, sizeof(Router));
	int			i,
				s;

	rt->cfg = cfg;
	for (s = 0; s < NSLOTS; s++)
		rt->owner[s] = -1;
	if (cfg->redis.sentinel_master)
	{
		/* One master, wherever the Sentinels say it is now. */
		rt->sentinel = true;
		rt->nodes = calloc(1, sizeof(RedisNode));
		rt->nnodes = 1;
		rt->nodes[0].healthy = true;
		rt->nodes[0].c = sentinel_connect_master(cfg, &rt->nodes[0].host, &rt->nodes[0].port);
		if (rt->nodes[0].c == NULL)
		{
			free(rt->nodes);
			free(rt);
			return NULL;
		}
		for (s = 0; s < NSLOTS; s++)
			rt->owner[s] = 0;
		relay_log(LOG_INFO, "msg=\"Redis Sentinel mode\" master=%s address=%s:%d sentinels=%d",
				  cfg->redis.sentinel_master, rt->nodes[0].host, rt->nodes[0].port, cfg->redis.nsentinels);
		return rt;
	}
	for (i = 0; i < cfg->nseeds; i++)
	{
		const RedisTarget *t = &cfg->seeds[i];
		redisContext *c = RedisConnectTarget(cfg, t);
		redisReply *r;

		if (c == NULL)
			continue;
		r = redisCommand(c, "INFO cluster");
		if (r == NULL)
		{
			redisFree(c);
			continue;
		}
		rt->cluster = r->type == REDIS_REPLY_STRING && strstr(r->str, "cluster_enabled:1") != NULL;
		freeReplyObject(r);
		if (!rt->cluster)
		{
			/* Standalone: this one node owns every slot. */
			rt->nodes = calloc(1, sizeof(RedisNode));
			rt->nnodes = 1;
			rt->nodes[0].host = t->unix_path ? NULL : strdup(t->host);
			rt->nodes[0].port = t->port;
			rt->nodes[0].healthy = true;
			rt->nodes[0].c = c;
			for (s = 0; s < NSLOTS; s++)
				rt->owner[s] = 0;
			rt->standalone_seed = i;
			return rt;
		}
		if (t->unix_path)
		{
			relay_log(LOG_ERROR, "msg=\"a Redis Cluster is reached over TCP: give its nodes as redis://host:port seeds\"");
			redisFree(c);
			free(rt);
			return NULL;
		}
		/* The map is read from the nodes (this seed among them). */
		redisFree(c);
		break;
	}
	if (!rt->cluster)
	{
		relay_log(LOG_WARNING, "msg=\"no Redis seed answered\" seeds=%d", cfg->nseeds);
		free(rt);
		return NULL;
	}
	/* Every seed is a node we may ask for the map. */
	for (i = 0; i < cfg->nseeds; i++)
		if (cfg->seeds[i].host)
			add_node(rt, cfg->seeds[i].host, cfg->seeds[i].port);
	if (!refresh_map(rt, true))
	{
		RouterClose(rt);
		return NULL;
	}
	relay_log(LOG_INFO, "msg=\"Redis Cluster mode\" nodes=%d", rt->nnodes);
	return rt;
}

void
RouterClose(Router *rt)
{
	int			i;

	if (rt == NULL)
		return;
	for (i = 0; i < rt->nnodes; i++)
	{
		if (rt->nodes[i].c)
			redisFree(rt->nodes[i].c);
		free(rt->nodes[i].host);
	}
	free(rt->nodes);
	free(rt);
}

bool
RouterIsCluster(const Router *rt)
{
	return rt->cluster;
}

/*
 * The connection of the master that owns slot; *node is its index.  NULL
 * when it has no owner that can be reached now: the caller backs off this
 * slot's partition alone.
 */
redisContext *
RouterGet(Router *rt, int slot, int *node)
{
	redisContext *c;
	int			o;

	if (rt->refresh_wanted)
		refresh_map(rt, false);
	o = rt->owner[slot];
	if (o < 0 || !rt->nodes[o].healthy)
	{
		/* Nobody serves it (yet): a failover may be under way. */
		if (NowSeconds() - rt->last_refresh > 0.5)
			refresh_map(rt, true);
		o = rt->owner[slot];
		if (o < 0 || !rt->nodes[o].healthy)
		{
			*node = -1;
			return NULL;
		}
	}
	*node = o;
	c = node_get(rt, o);
	if (c == NULL && refresh_map(rt, false) && rt->owner[slot] != o && rt->owner[slot] >= 0)
	{
		o = rt->owner[slot];
		*node = o;
		c = node_get(rt, o);
	}
	return c;
}

/* The connection of node i (an ASK target); NULL when unreachable. */
redisContext *
RouterNode(Router *rt, int node)
{
	if (node < 0 || node >= rt->nnodes)
		return NULL;
	return node_get(rt, node);
}

/* Node i's connection broke (or timed out): close it, reload the map soon. */
void
RouterNodeFailed(Router *rt, int node)
{
	if (node < 0 || node >= rt->nnodes)
		return;
	relay_log(LOG_WARNING, "msg=\"lost the connection to Redis node\" node=%s:%d",
			  rt->nodes[node].host ? rt->nodes[node].host : "socket", rt->nodes[node].port);
	node_drop(rt, node, true);
	rt->refresh_wanted = true;
}

/*
 * Act on a refusal of a chunk sent for slot.
 *	MOVED <slot> <host:port>: the slot has a new owner: the map is reloaded
 *	  (the moved slot is set at once, in case the reload fails);
 *	ASK <slot> <host:port>: this key is being imported by that node: *node
 *	  is its index, to retry there once after ASKING, map unchanged;
 *	anything else: nothing to do here.
 */
RedirectKind
RouterRedirect(Router *rt, int slot, const char *err, int *node)
{
	const char *addr;
	char		host[256];
	const char *colon;
	size_t		hl;
	int			port,
				i;
	bool		moved = strncmp(err, "MOVED ", 6) == 0;

	*node = -1;
	if (!moved && strncmp(err, "ASK ", 4) != 0)
		return REDIRECT_NONE;
	addr = strchr(err + (moved ? 6 : 4), ' ');
	if (addr == NULL)
		return REDIRECT_NONE;
	addr++;
	colon = strrchr(addr, ':');
	if (colon == NULL)
		return REDIRECT_NONE;
	hl = (size_t) (colon - addr);
	if (hl == 0 || hl >= sizeof(host))
		return REDIRECT_NONE;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	port = atoi(colon + 1);
	if (port <= 0)
		return REDIRECT_NONE;
	i = add_node(rt, host, port);
	*node = i;
	if (!moved)
		return REDIRECT_ASK;
	relay_log(LOG_INFO, "msg=\"slot moved\" slot=%d node=%s:%d", slot, host, port);
	{
		int			was = rt->owner[slot];

		rt->owner[slot] = i;
		rt->nodes[i].healthy = true;
		rt->refresh_wanted = true;
		/*
		 * By a failover (a restarted old master answers MOVED too)?  Then the
		 * entries may not all be there.  The reload tells the old owner's state.
		 */
		refresh_map(rt, true);
		if (was >= 0 && was != i && rt->owner[slot] == i && failed_over(rt, was, i, 0, NULL))
			rt->suspect[slot] = 1;
	}
	return REDIRECT_MOVED;
}

/*
 * The node that slot is being migrated to from node (CLUSTER NODES of the
 * source lists it as "[<slot>->-<id>]" on its own line), or -1 when it is
 * not being migrated (or on an I/O error: the caller's next command sees it).
 * Only asked by the loss check, which must read both halves of a slot in
 * migration: the keys already moved are on the importing node.
 */
int
RouterMigratingTo(Router *rt, int node, int slot)
{
	redisReply *r;
	char		tag[32];
	const char *line,
			   *id,
			   *end;
	int			target = -1;

	if (!rt->cluster || node < 0 || node >= rt->nnodes || rt->nodes[node].c == NULL)
		return -1;
	r = redisCommand(rt->nodes[node].c, "CLUSTER NODES");
	if (r == NULL || r->type != REDIS_REPLY_STRING)
	{
		if (r)
			freeReplyObject(r);
		return -1;
	}
	snprintf(tag, sizeof(tag), "[%d->-", slot);
	for (line = r->str; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
	{
		const char *eol = strchr(line, '\n');
		const char *myself = strstr(line, "myself");
		const char *t = strstr(line, tag);

		if (myself == NULL || t == NULL || (eol && (myself > eol || t > eol)))
			continue;
		id = t + strlen(tag);
		end = strchr(id, ']');
		if (end == NULL || end - id > 64)
			break;
		/* The importing node's own line: "<id> <ip>:<port>@<bus> ..." */
		for (line = r->str; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		{
			if (strncmp(line, id, end - id) == 0 && line[end - id] == ' ')
			{
				char		host[256];
				const char *a = line + (end - id) + 1,
						   *colon = strchr(a, ':');
				size_t		hl = colon ? (size_t) (colon - a) : 0;

				if (colon && hl > 0 && hl < sizeof(host))
				{
					memcpy(host, a, hl);
					host[hl] = '\0';
					target = add_node(rt, host, atoi(colon + 1));
				}
				break;
			}
		}
		break;
	}
	freeReplyObject(r);
	return target;
}

/* Was slot suspected of loss since the last call?  Clears the mark. */
bool
RouterTakeSuspect(Router *rt, int slot)
{
	bool		s = rt->suspect[slot] != 0;

	rt->suspect[slot] = 0;
	return s;
}

/* Is slot suspected of loss (the mark stays)? */
bool
RouterIsSuspect(const Router *rt, int slot)
{
	return rt->suspect[slot] != 0;
}

/* Mark every slot suspect (a new leadership: compare every stream top). */
void
RouterSuspectAll(Router *rt)
{
	memset(rt->suspect, 1, sizeof(rt->suspect));
}

/*
 * Idle: PING every open connection, so that a restarted node is noticed
 * before the next chunk; in cluster mode also reload the map now and then
 * (a failover or a reshard with no traffic to tell us).
 */
void
RouterPing(Router *rt)
{
	int			i;

	for (i = 0; i < rt->nnodes; i++)
	{
		redisReply *rep;

		if (rt->nodes[i].c == NULL)
			continue;
		rep = redisCommand(rt->nodes[i].c, "PING");
		if (rep == NULL || rep->type == REDIS_REPLY_ERROR)
		{
			char		line[600];

			snprintf(line, sizeof(line), "Redis stopped answering: %s",
					 rep ? rep->str : rt->nodes[i].c->errstr);
			relay_log(LOG_WARNING, "msg=\"%s\" node=%s:%d", line,
					  rt->nodes[i].host ? rt->nodes[i].host : "socket", rt->nodes[i].port);
			NoteFailure(SERVER_REDIS, rep ? RedisErrorClass(rep->str) : ERRCLASS_TRANSIENT, line);
			node_drop(rt, i, true);
			rt->refresh_wanted = true;
		}
		if (rep)
			freeReplyObject(rep);
	}
	if (!rt->cluster)
	{
		/*
		 * Reconnect a broken node now rather than at the next event: the
		 * loss check of its partitions runs as soon as it is back (with
		 * Sentinel, on the master the Sentinels name now), even when
		 * nothing is pending.  node_get keeps the backoff.
		 */
		for (i = 0; i < rt->nnodes; i++)
			if (rt->nodes[i].c == NULL)
				(void) node_get(rt, i);
		return;
	}
	/*
	 * A master we know is down or flagged failed: reload often until the
	 * map shows its replica promoted, so that the loss check runs soon
	 * even when no event is pending.
	 */
	{
		bool		degraded = false;
		double		since = NowSeconds() - rt->last_refresh;

		int			slot;

		for (slot = 0; slot < NSLOTS && !degraded; slot++)
		{
			int			o = rt->owner[slot];

			if (o >= 0 && (rt->nodes[o].broke || !rt->nodes[o].healthy))
				degraded = true;
		}
		if (rt->refresh_wanted || since > MAP_REFRESH_IDLE_S || (degraded && since > 0.5))
			refresh_map(rt, false);
	}
}

/* "host:port" of node i, for the log. */
const char *
RouterNodeName(const Router *rt, int node, char *buf, size_t buflen)
{
	if (node < 0 || node >= rt->nnodes)
		snprintf(buf, buflen, "none");
	else if (rt->nodes[node].host == NULL)
		snprintf(buf, buflen, "%s", rt->cfg->redis.unix_path ? rt->cfg->redis.unix_path : "socket");
	else
		snprintf(buf, buflen, "%s:%d", rt->nodes[node].host, rt->nodes[node].port);
	return buf;
}
