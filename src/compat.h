/*
 * compat.h
 *		Differences between PostgreSQL major versions, kept in one place.
 *
 * The floor is PostgreSQL 15.  Other source files include this header
 * instead of testing PG_VERSION_NUM themselves.  Tested on 15 and 18;
 * 16 and 17 are compiled for (see README, "Supported PostgreSQL versions").
 */
#ifndef GOODGO_EVENTS_COMPAT_H
#define GOODGO_EVENTS_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 150000
#error "goodgo_events requires PostgreSQL 15 or later"
#endif

#include "catalog/dependency.h"
#include "nodes/pg_list.h"
#include "utils/rel.h"

/* 16 moved the varlena macros (VARDATA_ANY and friends) out of postgres.h. */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/*
 * stringToQualifiedNameList() takes a soft-error context since 16; ours
 * passes none, so a syntax error is raised as before.
 */
#if PG_VERSION_NUM >= 160000
#define gg_string_to_qualified_name_list(s) stringToQualifiedNameList((s), NULL)
#else
#define gg_string_to_qualified_name_list(s) stringToQualifiedNameList(s)
#endif

/*
 * The identity sequence of column attnum of rel, or InvalidOid.
 *
 * Since 17 a partition has the identity of its partitioned root, and
 * getIdentitySequence() takes the Relation to find the root's sequence.
 * Before 17 a partition has no identity of its own: look the column up by
 * name in the topmost ancestor, so that a partitioned outbox with an identity
 * seq behaves the same on every major.
 */
#if PG_VERSION_NUM >= 170000
#define gg_identity_sequence(rel, attnum) getIdentitySequence((rel), (attnum), true)
#else
#include "catalog/partition.h"
#include "utils/lsyscache.h"

static inline Oid
gg_identity_sequence(Relation rel, AttrNumber attnum)
{
	Oid			relid = RelationGetRelid(rel);
	Oid			seqid = getIdentitySequence(relid, attnum, true);

	if (!OidIsValid(seqid) && rel->rd_rel->relispartition)
	{
		List	   *ancestors = get_partition_ancestors(relid);
		Oid			root = llast_oid(ancestors);
		AttrNumber	rootatt = get_attnum(root, get_attname(relid, attnum, false));

		if (rootatt != InvalidAttrNumber)
			seqid = getIdentitySequence(root, rootatt, true);
		list_free(ancestors);
	}
	return seqid;
}
#endif

/*
 * 16 removed REG_CANCEL: the regex engine checks for interrupts itself and
 * never returns because of one.
 */
#if PG_VERSION_NUM >= 160000
#define gg_regex_cancelled(rc) false
#else
#define gg_regex_cancelled(rc) ((rc) == REG_CANCEL)
#endif

#endif							/* GOODGO_EVENTS_COMPAT_H */
