/*
 * goodgo_events.h
 *		Entry points each subsystem exposes to the module's _PG_init.
 */
#ifndef GOODGO_EVENTS_H
#define GOODGO_EVENTS_H

/* src/uuid_v7.c */
extern void UuidV7Init(void);

/* src/jsonschema/ */
extern void JsonSchemaInit(void);

/* src/registry.c */
extern void RegistryInit(void);

/* src/outbox.c */
extern void OutboxInit(void);

#endif							/* GOODGO_EVENTS_H */
