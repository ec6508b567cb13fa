/*
 * compat.h
 *		Differences between PostgreSQL major versions, kept in one place.
 *
 * The floor is PostgreSQL 15.  Other source files include this header
 * instead of testing PG_VERSION_NUM themselves.
 */
#ifndef GOODGO_EVENTS_COMPAT_H
#define GOODGO_EVENTS_COMPAT_H

#include "postgres.h"

#if PG_VERSION_NUM < 150000
#error "goodgo_events requires PostgreSQL 15 or later"
#endif

#endif							/* GOODGO_EVENTS_COMPAT_H */
