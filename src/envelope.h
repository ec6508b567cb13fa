/*
 * envelope.h
 *		The event envelope (version 1) check, shared by the event_envelope
 *		domain, envelope_errors() and the outbox trigger.
 *
 * AGREED INTERFACE between envelope.c and its callers.
 */
#ifndef GOODGO_ENVELOPE_H
#define GOODGO_ENVELOPE_H

#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/jsonb.h"

/*
 * Every finding on an envelope, as a List of JsonSchemaError * (see
 * jsonschema/jsonschema.h: keywordLocation relative to envelope.schema.json,
 * instanceLocation the JSON Pointer in the envelope, message never echoing
 * values); NIL when the envelope is valid.  Allocated in CurrentMemoryContext.
 */
extern List *EnvelopeFindings(Jsonb *envelope);

/*
 * Raise ERRCODE_CHECK_VIOLATION "invalid event envelope" with the findings in
 * errdetail when the envelope is not valid; return quietly otherwise.
 */
extern void EnvelopeCheck(Jsonb *envelope);

#endif							/* GOODGO_ENVELOPE_H */
