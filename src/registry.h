/*
 * registry.h
 *		Event types and their schemas, as the outbox trigger sees them.
 *
 * AGREED INTERFACE between registry.c and the outbox trigger.
 */
#ifndef GOODGO_REGISTRY_H
#define GOODGO_REGISTRY_H

#include "postgres.h"

#include "utils/jsonb.h"
#include "utils/rel.h"

typedef enum RegistryMode
{
	REGISTRY_MODE_ENFORCE,
	REGISTRY_MODE_WARN,
	REGISTRY_MODE_OFF
} RegistryMode;

typedef struct RegistryVerdict
{
	bool		known;			/* is the event type registered? */
	int32		schema_version; /* version that validated the payload (0 if
								 * unknown and allowed) */
	RegistryMode mode;
	Jsonb	   *findings;		/* warn mode: the errors as a jsonb array of
								 * output units, else NULL */
} RegistryVerdict;

/*
 * Validate a payload against the current schema of its event type (and, when
 * that fails for a BACKWARD_TRANSITIVE or FULL_TRANSITIVE type, against its
 * older active and deprecated versions, newest first: verdict->schema_version
 * is the one that matched), through
 * the per-backend cache of compiled schemas (invalidated at commit of any
 * registry change in every backend).  In enforce mode a bad payload raises
 * 23514 "payload of event type \"%s\" does not match its schema" with the
 * JSON Pointer paths in the detail; in warn mode it raises a WARNING with the
 * same detail and fills verdict->findings.  An unknown type raises 42704
 * unless goodgo_events.unknown_event_types = allow.  "rel" (may be NULL) is
 * named with errtable() in the errors.
 */
extern void RegistryValidatePayload(const char *event_type, Jsonb *payload,
									Relation rel, RegistryVerdict *verdict);

#endif							/* GOODGO_REGISTRY_H */
