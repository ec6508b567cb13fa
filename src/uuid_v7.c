/*
 * uuid_v7.c
 *		RFC 9562 version 7 UUIDs.
 */
#include "postgres.h"

#include "compat.h"
#include "goodgo_events.h"

void
UuidV7Init(void)
{
}
