-- What the registry decided is kept with each outbox row: the schema version
-- that validated the payload, and in warn mode the findings.
\set SHOW_CONTEXT never
SELECT goodgo_events.register_event_type('parcel.shipped',
  '{"type": "object", "required": ["parcelId"],
    "properties": {"parcelId": {"type": "string", "format": "uuid"}}}') AS v1;
SELECT goodgo_events.register_event_type('parcel.shipped',
  '{"type": "object", "required": ["parcelId", "carrier"],
    "properties": {"parcelId": {"type": "string", "format": "uuid"},
                   "carrier": {"enum": ["ghn", "ghtk"]}}}', 'enforce',
  'test: carrier becomes required on purpose') AS v2;
SELECT goodgo_events.emit('parcel.shipped',
  '{"parcelId": "0190c1e0-1111-7aaa-8bbb-cccccccccccc", "carrier": "ghn"}') IS NOT NULL AS emitted;

-- warn mode: accepted with a WARNING, the findings stay with the row
SELECT goodgo_events.set_event_type_mode('parcel.shipped', 'warn');
SELECT goodgo_events.emit('parcel.shipped',
  '{"parcelId": "not-a-uuid", "carrier": "dhl"}', aggregate_id => 'warned') IS NOT NULL AS emitted;

-- off: not validated, no version recorded
SELECT goodgo_events.set_event_type_mode('parcel.shipped', 'off');
SELECT goodgo_events.emit('parcel.shipped', '{"anything": true}', aggregate_id => 'unchecked') IS NOT NULL AS emitted;

-- an unknown type let through by a superuser records no version either
SET goodgo_events.unknown_event_types = allow;
SELECT goodgo_events.emit('parcel.lost', '{}', aggregate_id => 'unknown') IS NOT NULL AS emitted;
RESET goodgo_events.unknown_event_types;

SELECT event_type, aggregate_id, schema_version, jsonb_pretty(findings) AS findings
  FROM goodgo_events.outbox
 WHERE event_type LIKE 'parcel.%'
 ORDER BY seq;

-- a producer cannot choose them: the trigger overwrites both
SELECT goodgo_events.set_event_type_mode('parcel.shipped', 'enforce');
INSERT INTO goodgo_events.outbox (envelope, schema_version, findings)
SELECT jsonb_build_object('schemaVersion', 1, 'eventId', goodgo_events.uuid_v7()::text,
         'eventType', 'parcel.shipped', 'occurredAt', '2024-05-01T08:30:01Z',
         'producer', 'test', 'traceId', repeat('0', 32),
         'payload', '{"parcelId": "0190c1e0-1111-7aaa-8bbb-cccccccccccc", "carrier": "ghtk"}'::jsonb),
       99, '[{"forged": true}]';
SELECT schema_version, findings FROM goodgo_events.outbox
 WHERE event_type = 'parcel.shipped' ORDER BY seq DESC LIMIT 1;
