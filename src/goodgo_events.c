/*
 * goodgo_events.c
 *		Module entry point.
 *
 * _PG_init only dispatches: each subsystem defines its own GUCs and hooks in
 * its Init function, so this file never grows with the features.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "compat.h"
#include "goodgo_events.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	UuidV7Init();
	JsonSchemaInit();
	RegistryInit();
	OutboxInit();

	MarkGUCPrefixReserved("goodgo_events");
}
