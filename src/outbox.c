/*
 * outbox.c
 *		The transactional outbox, producer side: the validating trigger, the
 *		append-only guard, emit(), and the outbox GUCs.
 *
 * outbox_validate() is a BEFORE INSERT FOR EACH ROW trigger.  For every row it
 *
 *	1. checks the envelope (EnvelopeCheck, the event_envelope domain's rules),
 *	2. validates the payload against the registered schema of its event type
 *	   (RegistryValidatePayload, which applies the type's mode),
 *	3. overwrites what a producer must not choose: seq (from its sequence),
 *	   txid (the inserting top-level transaction), part (hash of the
 *	   aggregate key mod N), event_id and event_type (from the envelope) and
 *	   stream (derived from the event type and partition).
 *
 * A rejected row raises an error in the producer's transaction, so nothing
 * of it is written.  Because the trigger sets seq and txid last, even
 * INSERT ... OVERRIDING SYSTEM VALUE cannot choose them.
 *
 * The trigger is generic: its arguments are key=value pairs naming the
 * columns of a user's own outbox table (see doc/outbox.md).  Their parsed
 * form (column numbers, sequence, outbox name) is cached per backend in
 * CacheMemoryContext, keyed by trigger and relation, and dropped on any
 * relcache invalidation of the table, its sequence or its root (DDL on them,
 * CREATE/DROP TRIGGER), so single-row INSERTs do not pay catalog lookups.
 *
 * The relay side (claim/ack by snapshot windows, rotation, stats) is SQL in
 * sql/objects/50_outbox.sql: it runs once per batch, not per row.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
#include "utils/varlena.h"
#include "utils/xid8.h"

#include "compat.h"
#include "envelope.h"
#include "goodgo_events.h"
#include "registry.h"

#define OUTBOX_MAX_PARTITIONS 1024

/* GUCs */
static char *outbox_producer = NULL;
static char *outbox_trace_id = NULL;
static char *outbox_notify_channel = NULL;
static char *outbox_stream_prefix = NULL;
static bool outbox_maintenance = false;
static int	relay_max_attempts = 5;

/* What the trigger arguments say, resolved against one relation. */
typedef struct OutboxTriggerConf
{
	Oid			tgoid;
	Oid			relid;
	AttrNumber	envelope_att;
	AttrNumber	aggregate_att;	/* 0 when the table has none */
	AttrNumber	event_id_att;
	AttrNumber	event_type_att;
	AttrNumber	stream_att;
	AttrNumber	seq_att;
	AttrNumber	txid_att;
	AttrNumber	part_att;
	AttrNumber	schema_version_att; /* 0 when the table has none */
	AttrNumber	findings_att;	/* 0 when the table has none */
	Oid			seq_oid;
	Oid			root_oid;		/* root of a partitioned outbox, else relid */
	int			partitions;
	char	   *name;			/* outbox name used in stream keys */
} OutboxTriggerConf;

/* Backend cache of parsed trigger arguments (see the header comment). */
static MemoryContext outbox_conf_cxt = NULL;
static List *outbox_confs = NIL;

static void
outbox_relcache_callback(Datum arg, Oid relid)
{
	ListCell   *lc;
	bool		hit = !OidIsValid(relid);

	foreach(lc, outbox_confs)
	{
		OutboxTriggerConf *c = (OutboxTriggerConf *) lfirst(lc);

		if (c->relid == relid || c->seq_oid == relid || c->root_oid == relid)
			hit = true;
	}
	if (hit && outbox_conf_cxt != NULL)
	{
		outbox_confs = NIL;
		MemoryContextReset(outbox_conf_cxt);
	}
}

/* The columns a trigger argument can name, with their default names. */
typedef struct OutboxColumnArg
{
	const char *key;
	Oid			typid;
	bool		required;
	size_t		offset;
} OutboxColumnArg;

static const OutboxColumnArg outbox_column_args[] = {
	{"envelope", JSONBOID, true, offsetof(OutboxTriggerConf, envelope_att)},
	{"aggregate_id", TEXTOID, false, offsetof(OutboxTriggerConf, aggregate_att)},
	{"event_id", UUIDOID, false, offsetof(OutboxTriggerConf, event_id_att)},
	{"event_type", TEXTOID, false, offsetof(OutboxTriggerConf, event_type_att)},
	{"stream", TEXTOID, false, offsetof(OutboxTriggerConf, stream_att)},
	{"seq", INT8OID, false, offsetof(OutboxTriggerConf, seq_att)},
	{"txid", XID8OID, false, offsetof(OutboxTriggerConf, txid_att)},
	{"part", INT4OID, false, offsetof(OutboxTriggerConf, part_att)},
	{"schema_version", INT4OID, false, offsetof(OutboxTriggerConf, schema_version_att)},
	{"findings", JSONBOID, false, offsetof(OutboxTriggerConf, findings_att)},
};

static bool
check_trace_id(char **newval, void **extra, GucSource source)
{
	const char *s = *newval;
	int			i;

	if (s == NULL || s[0] == '\0')
		return true;
	for (i = 0; s[i] != '\0'; i++)
	{
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			break;
	}
	if (s[i] != '\0' || i != 32)
	{
		GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
		GUC_check_errdetail("A trace id is 32 lowercase hexadecimal characters.");
		return false;
	}
	return true;
}

void
OutboxInit(void)
{
	DefineCustomStringVariable("goodgo_events.producer",
							   "Producer name emit() puts into envelopes.",
							   "Empty: application_name when set, else the current role's name.",
							   &outbox_producer, "", PGC_USERSET, 0,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("goodgo_events.trace_id",
							   "Trace id emit() puts into envelopes.",
							   "32 lowercase hexadecimal characters; empty means all zeros.",
							   &outbox_trace_id, "", PGC_USERSET, 0,
							   check_trace_id, NULL, NULL);
	DefineCustomStringVariable("goodgo_events.notify_channel",
							   "Channel to NOTIFY once per transaction that inserts outbox rows.",
							   "Empty (the default) sends no notification: relays poll.",
							   &outbox_notify_channel, "", PGC_USERSET, 0,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("goodgo_events.stream_prefix",
							   "First component of the stream names the outbox trigger derives.",
							   NULL,
							   &outbox_stream_prefix, "goodgo", PGC_SUSET, 0,
							   NULL, NULL, NULL);
	DefineCustomBoolVariable("goodgo_events.outbox_maintenance",
							 "Allows UPDATE, DELETE and TRUNCATE of outbox tables.",
							 "The one maintenance escape of the append-only outbox.",
							 &outbox_maintenance, false, PGC_SUSET, 0,
							 NULL, NULL, NULL);
	CacheRegisterRelcacheCallback(outbox_relcache_callback, (Datum) 0);

	DefineCustomIntVariable("goodgo_events.relay_max_attempts",
							"Failed publish attempts after which an event becomes a dead letter.",
							"0 means never: the batch is retried until the event is published, so per-aggregate order is kept.",
							&relay_max_attempts, 5, 0, 1000, PGC_USERSET, 0,
							NULL, NULL, NULL);
}

/* Misuse of a trigger function: wrong timing, level or event. */
static void
outbox_trigger_misuse(FunctionCallInfo fcinfo, const char *funcname,
					  const char *expected)
{
	/* SQL refuses to call a trigger function outside a trigger. */
	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "function \"%s\" was not called by trigger manager", funcname);
	ereport(ERROR,
			(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
			 errmsg("function \"%s\" was fired for the wrong event", funcname),
			 errdetail("It must be fired %s.", expected),
			 errtable(((TriggerData *) fcinfo->context)->tg_relation)));
}

static AttrNumber
outbox_column(Relation rel, const char *colname, const char *key, Oid typid,
			  bool required, bool named)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || strcmp(NameStr(att->attname), colname) != 0)
			continue;
		if (att->atttypid != typid)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("outbox column \"%s\" has the wrong type", colname),
					 errdetail("The %s column must be of type %s.", key,
							   format_type_be(typid)),
					 errtable(rel)));
		if (att->attgenerated)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("outbox column \"%s\" cannot be a generated column", colname),
					 errdetail("The trigger sets the %s column itself.", key),
					 errtable(rel)));
		return att->attnum;
	}
	if (required || named)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("outbox column \"%s\" does not exist", colname),
				 errdetail("The trigger argument %s names a column the table must have.", key),
				 errtable(rel)));
	return InvalidAttrNumber;
}

/* Parse the key=value trigger arguments against the relation. */
static OutboxTriggerConf *
outbox_trigger_conf(FunctionCallInfo fcinfo)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel = td->tg_relation;
	Trigger    *tg = td->tg_trigger;
	OutboxTriggerConf *conf = (OutboxTriggerConf *) fcinfo->flinfo->fn_extra;
	OutboxTriggerConf *cached;
	MemoryContext oldcxt;
	ListCell   *lc;
	const char *colnames[lengthof(outbox_column_args)];
	bool		named[lengthof(outbox_column_args)];
	const char *seqname = NULL;
	int			i,
				k;

	/* fn_extra points into the backend cache: check it is still there. */
	if (conf != NULL && list_member_ptr(outbox_confs, conf) &&
		conf->tgoid == tg->tgoid && conf->relid == RelationGetRelid(rel))
		return conf;
	foreach(lc, outbox_confs)
	{
		cached = (OutboxTriggerConf *) lfirst(lc);
		if (cached->tgoid == tg->tgoid && cached->relid == RelationGetRelid(rel))
		{
			fcinfo->flinfo->fn_extra = cached;
			return cached;
		}
	}

	/* Parse in the caller's context; copy into the cache only on success. */
	conf = palloc0(sizeof(OutboxTriggerConf));
	conf->partitions = 1;

	for (k = 0; k < (int) lengthof(outbox_column_args); k++)
	{
		colnames[k] = outbox_column_args[k].key;
		named[k] = false;
	}

	for (i = 0; i < tg->tgnargs; i++)
	{
		const char *arg = tg->tgargs[i];
		const char *eq = strchr(arg, '=');
		size_t		keylen;
		const char *val;

		if (eq == NULL || eq == arg || eq[1] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid outbox trigger argument \"%s\"", arg),
					 errdetail("Trigger arguments have the form key=value."),
					 errtable(rel)));
		keylen = eq - arg;
		val = eq + 1;

		if (keylen == strlen("partitions") && strncmp(arg, "partitions", keylen) == 0)
		{
			char	   *end;
			long		n = strtol(val, &end, 10);

			if (*end != '\0' || n < 1 || n > OUTBOX_MAX_PARTITIONS)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid number of outbox partitions \"%s\"", val),
						 errdetail("The number of partitions is an integer from 1 to %d.",
								   OUTBOX_MAX_PARTITIONS),
						 errtable(rel)));
			conf->partitions = (int) n;
			continue;
		}
		if (keylen == strlen("seq_sequence") && strncmp(arg, "seq_sequence", keylen) == 0)
		{
			seqname = val;
			continue;
		}
		if (keylen == strlen("name") && strncmp(arg, "name", keylen) == 0)
		{
			conf->name = pstrdup(val);
			continue;
		}
		for (k = 0; k < (int) lengthof(outbox_column_args); k++)
		{
			if (keylen == strlen(outbox_column_args[k].key) &&
				strncmp(arg, outbox_column_args[k].key, keylen) == 0)
			{
				colnames[k] = val;
				named[k] = true;
				break;
			}
		}
		if (k == (int) lengthof(outbox_column_args))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid outbox trigger argument \"%s\"", arg),
					 errdetail("Known keys are envelope, aggregate_id, event_id, event_type, stream, seq, txid, part, seq_sequence, partitions and name."),
					 errtable(rel)));
	}

	for (k = 0; k < (int) lengthof(outbox_column_args); k++)
	{
		const OutboxColumnArg *ca = &outbox_column_args[k];

		*(AttrNumber *) ((char *) conf + ca->offset) =
			outbox_column(rel, colnames[k], ca->key, ca->typid, ca->required, named[k]);
	}

	if (conf->seq_att != InvalidAttrNumber)
	{
		if (seqname != NULL)
		{
			List	   *names = stringToQualifiedNameList(seqname);

			conf->seq_oid = RangeVarGetRelid(makeRangeVarFromNameList(names),
											 NoLock, false);
			if (get_rel_relkind(conf->seq_oid) != RELKIND_SEQUENCE)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("\"%s\" is not a sequence", seqname),
						 errdetail("The trigger argument seq_sequence names the sequence seq values come from."),
						 errtable(rel)));
		}
		else
		{
			conf->seq_oid = getIdentitySequence(RelationGetRelid(rel), conf->seq_att, true);
			if (!OidIsValid(conf->seq_oid))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("outbox column \"%s\" has no sequence", colnames[5]),
						 errdetail("Make it an identity column, or name a sequence with the trigger argument seq_sequence."),
						 errtable(rel)));
		}
	}

	/* A partition of an outbox is named after its root. */
	conf->root_oid = RelationGetRelid(rel);
	while (get_rel_relispartition(conf->root_oid))
		conf->root_oid = get_partition_parent(conf->root_oid, false);
	if (conf->name == NULL)
		conf->name = get_rel_name(conf->root_oid);

	conf->tgoid = tg->tgoid;
	conf->relid = RelationGetRelid(rel);

	if (outbox_conf_cxt == NULL)
		outbox_conf_cxt = AllocSetContextCreate(CacheMemoryContext,
												"goodgo_events outbox triggers",
												ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(outbox_conf_cxt);
	cached = palloc(sizeof(OutboxTriggerConf));
	memcpy(cached, conf, sizeof(OutboxTriggerConf));
	cached->name = pstrdup(conf->name);
	outbox_confs = lappend(outbox_confs, cached);
	MemoryContextSwitchTo(oldcxt);
	fcinfo->flinfo->fn_extra = cached;
	return cached;
}

/* The string value of a top-level key of an object, or NULL. */
static JsonbValue *
outbox_envelope_field(Jsonb *env, const char *key, JsonbValue *buf)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	return getKeyJsonValueFromContainer(&env->root, k.val.string.val,
										k.val.string.len, buf);
}

static char *
outbox_stream_name(OutboxTriggerConf *conf, const char *event_type, int part)
{
	const char *dot = strchr(event_type, '.');
	int			famlen = dot ? (int) (dot - event_type) : (int) strlen(event_type);
	int			width = conf->partitions > 100 ? 4 : 2;

	return psprintf("%s:%.*s:{%s:%0*d}", outbox_stream_prefix, famlen, event_type,
					conf->name, width, part);
}

PG_FUNCTION_INFO_V1(goodgo_outbox_validate);
Datum
goodgo_outbox_validate(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	OutboxTriggerConf *conf;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	tuple;
	Datum		d;
	bool		isnull;
	Jsonb	   *env;
	JsonbValue	buf;
	JsonbValue *v;
	char	   *event_type;
	char	   *event_id_text;
	Jsonb	   *payload;
	RegistryVerdict verdict;
	char	   *agg = NULL;
	uint32		h;
	int			part;
	int			cols[lengthof(outbox_column_args)];
	Datum		values[lengthof(outbox_column_args)];
	bool		nulls[lengthof(outbox_column_args)];
	int			ncols = 0;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(td->tg_event))
		outbox_trigger_misuse(fcinfo, "outbox_validate",
							  "BEFORE INSERT FOR EACH ROW");

	conf = outbox_trigger_conf(fcinfo);
	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	tuple = td->tg_trigtuple;

	d = heap_getattr(tuple, conf->envelope_att, desc, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("invalid event envelope"),
				 errdetail("The envelope is null."),
				 errtable(rel)));
	env = DatumGetJsonbP(d);

	/* 1. The envelope's shape (raises 23514 with the failing paths). */
	EnvelopeCheck(env);

	/* A valid envelope has a string eventType and eventId, an object payload. */
	v = outbox_envelope_field(env, "eventType", &buf);
	if (v == NULL || v->type != jbvString)
		elog(ERROR, "envelope check let an envelope without eventType through");
	event_type = pnstrdup(v->val.string.val, v->val.string.len);
	v = outbox_envelope_field(env, "eventId", &buf);
	if (v == NULL || v->type != jbvString)
		elog(ERROR, "envelope check let an envelope without eventId through");
	event_id_text = pnstrdup(v->val.string.val, v->val.string.len);
	v = outbox_envelope_field(env, "payload", &buf);
	if (v == NULL || v->type != jbvBinary)
		elog(ERROR, "envelope check let an envelope without payload object through");
	payload = JsonbValueToJsonb(v);

	/* 2. The payload against its event type's schema, per the type's mode. */
	memset(&verdict, 0, sizeof(verdict));
	memset(nulls, 0, sizeof(nulls));
	RegistryValidatePayload(event_type, payload, rel, &verdict);

	/* 3. Derived columns, overwriting whatever the producer put there. */
	if (conf->aggregate_att != InvalidAttrNumber)
	{
		d = heap_getattr(tuple, conf->aggregate_att, desc, &isnull);
		if (!isnull)
			agg = TextDatumGetCString(d);
	}
	if (agg != NULL)
		h = hash_bytes((const unsigned char *) agg, strlen(agg));
	else
		h = hash_bytes((const unsigned char *) event_id_text, strlen(event_id_text));
	part = (int) (h % (uint32) conf->partitions);

	if (conf->event_id_att != InvalidAttrNumber)
	{
		cols[ncols] = conf->event_id_att;
		values[ncols++] = DirectFunctionCall1(uuid_in, CStringGetDatum(event_id_text));
	}
	if (conf->event_type_att != InvalidAttrNumber)
	{
		cols[ncols] = conf->event_type_att;
		values[ncols++] = CStringGetTextDatum(event_type);
	}
	if (conf->stream_att != InvalidAttrNumber)
	{
		cols[ncols] = conf->stream_att;
		values[ncols++] = CStringGetTextDatum(outbox_stream_name(conf, event_type, part));
	}
	if (conf->part_att != InvalidAttrNumber)
	{
		cols[ncols] = conf->part_att;
		values[ncols++] = Int32GetDatum(part);
	}
	if (conf->seq_att != InvalidAttrNumber)
	{
		cols[ncols] = conf->seq_att;
		values[ncols++] = Int64GetDatum(nextval_internal(conf->seq_oid, false));
	}
	if (conf->txid_att != InvalidAttrNumber)
	{
		cols[ncols] = conf->txid_att;
		values[ncols++] = FullTransactionIdGetDatum(GetTopFullTransactionId());
	}
	/* What validated the row: NULL when nothing did (mode off, unknown type). */
	if (conf->schema_version_att != InvalidAttrNumber)
	{
		cols[ncols] = conf->schema_version_att;
		nulls[ncols] = (verdict.schema_version <= 0);
		values[ncols++] = Int32GetDatum(verdict.schema_version);
	}
	/* In warn mode, why the payload would have been rejected. */
	if (conf->findings_att != InvalidAttrNumber)
	{
		cols[ncols] = conf->findings_att;
		nulls[ncols] = (verdict.findings == NULL);
		values[ncols++] = verdict.findings ? JsonbPGetDatum(verdict.findings) : (Datum) 0;
	}

	if (outbox_notify_channel != NULL && outbox_notify_channel[0] != '\0')
		Async_Notify(outbox_notify_channel, NULL);	/* merged per transaction */

	if (ncols == 0)
		return PointerGetDatum(tuple);
	return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, ncols, cols,
													 values, nulls));
}

PG_FUNCTION_INFO_V1(goodgo_outbox_append_only);
Datum
goodgo_outbox_append_only(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	const char *what;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		TRIGGER_FIRED_BY_INSERT(td->tg_event) ||
		(TRIGGER_FIRED_BY_TRUNCATE(td->tg_event) && TRIGGER_FIRED_FOR_ROW(td->tg_event)) ||
		(!TRIGGER_FIRED_BY_TRUNCATE(td->tg_event) && !TRIGGER_FIRED_FOR_ROW(td->tg_event)))
		outbox_trigger_misuse(fcinfo, "outbox_append_only",
							  "BEFORE UPDATE OR DELETE FOR EACH ROW, or BEFORE TRUNCATE FOR EACH STATEMENT");

	if (outbox_maintenance)
	{
		if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
			return PointerGetDatum(td->tg_newtuple);
		return PointerGetDatum(td->tg_trigtuple);
	}

	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		what = "update";
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		what = "delete from";
	else
		what = "truncate";
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot %s outbox \"%s\"", what, RelationGetRelationName(td->tg_relation)),
			 errdetail("The outbox is append-only: events leave it only when goodgo_events.outbox_rotate() truncates a generation every relay has passed."),
			 errhint("For maintenance, a superuser can set goodgo_events.outbox_maintenance to on."),
			 errtable(td->tg_relation)));
	PG_RETURN_NULL();
}

/*
 * emit(event_type, payload, aggregate_id, producer, trace_id, occurred_at):
 * build the envelope and insert it through one saved plan; the trigger does
 * every check.  The eventId comes from uuid_v7() (src/uuid_v7.c) called
 * directly, and the INSERT has no RETURNING, so a producer role needs only
 * INSERT on the envelope and aggregate_id columns and EXECUTE on emit().
 */
extern Datum goodgo_uuid_v7(PG_FUNCTION_ARGS);

static SPIPlanPtr emit_plan = NULL;

PG_FUNCTION_INFO_V1(goodgo_emit);
Datum
goodgo_emit(PG_FUNCTION_ARGS)
{
	Datum		args[7];
	char		argnulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	const char *producer = NULL;
	const char *trace_id = NULL;
	Datum		result;
	volatile int ret = 0;
	MemoryContext oldcxt;
	LOCAL_FCINFO(idcall, 0);

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("event type must not be null"),
				 errdetail("Every event needs an event type.")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("payload must not be null"),
				 errdetail("The payload is a JSON object; use {} for an event without data.")));

	if (!PG_ARGISNULL(3))
		producer = TextDatumGetCString(PG_GETARG_DATUM(3));
	if (producer == NULL || producer[0] == '\0')
		producer = outbox_producer;
	if (producer == NULL || producer[0] == '\0')
		producer = application_name;
	if (producer == NULL || producer[0] == '\0')
		producer = GetUserNameFromId(GetUserId(), false);

	if (!PG_ARGISNULL(4))
		trace_id = TextDatumGetCString(PG_GETARG_DATUM(4));
	if (trace_id == NULL)
		trace_id = outbox_trace_id;
	if (trace_id == NULL || trace_id[0] == '\0')
		trace_id = "00000000000000000000000000000000";

	args[0] = PG_GETARG_DATUM(0);
	args[1] = PG_GETARG_DATUM(1);
	args[2] = PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2);
	if (PG_ARGISNULL(2))
		argnulls[2] = 'n';
	args[3] = CStringGetTextDatum(producer);
	args[4] = CStringGetTextDatum(trace_id);
	args[5] = PG_ARGISNULL(5) ? TimestampTzGetDatum(GetCurrentTimestamp()) : PG_GETARG_DATUM(5);
	InitFunctionCallInfoData(*idcall, NULL, 0, InvalidOid, NULL, NULL);
	result = goodgo_uuid_v7(idcall);
	args[6] = result;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	oldcxt = CurrentMemoryContext;
	if (emit_plan == NULL)
	{
		Oid			types[7] = {TEXTOID, JSONBOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, UUIDOID};
		SPIPlanPtr	plan;

		plan = SPI_prepare("INSERT INTO goodgo_events.outbox (envelope, aggregate_id) "
						   "VALUES (pg_catalog.jsonb_build_object("
						   "'schemaVersion', 1, 'eventId', $7, 'eventType', $1, "
						   "'occurredAt', pg_catalog.to_char(pg_catalog.timezone('UTC', $6), "
						   "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
						   "'producer', $4, 'traceId', $5, 'payload', $2), $3)", 7, types);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		emit_plan = plan;
	}
	/*
	 * A rejected event is the producer's error, not ours: drop the context
	 * line naming emit()'s internal INSERT, keep everything else.
	 */
	PG_TRY();
	{
		ret = SPI_execute_plan(emit_plan, args, argnulls, false, 0);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		char	   *own;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		if (edata->context != NULL &&
			(own = strstr(edata->context, "SQL statement \"INSERT INTO goodgo_events.outbox")) != NULL)
		{
			while (own > edata->context && own[-1] == '\n')
				own--;
			*own = '\0';
			if (edata->context[0] == '\0')
				edata->context = NULL;
		}
		ReThrowError(edata);
	}
	PG_END_TRY();
	if (ret != SPI_OK_INSERT || SPI_processed != 1)
		elog(ERROR, "emit insert returned %d", ret);
	SPI_finish();
	PG_RETURN_DATUM(result);
}
