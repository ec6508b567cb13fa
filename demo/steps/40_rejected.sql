-- Bad events are rejected in the producer's transaction, with the exact place
\set ON_ERROR_STOP 0
\set VERBOSITY default
-- A payment with a lowercase currency, a negative amount and an unknown field:
SELECT goodgo_events.emit('payment.completed', jsonb_build_object(
         'paymentId', '0190c1e0-1111-7aaa-8bbb-cccccccccccc',
         'orderId', '0190c1df-2222-7aaa-9bbb-dddddddddddd',
         'payerId', '0190c1d2-8a6e-7cc1-9d4b-2f1f4f0e9a11',
         'sellerId', '0190c1d2-9b7f-7dd2-8e5c-3a2a5a1fab22',
         'amount', jsonb_build_object('amountMinor', -5, 'currency', 'vnd'),
         'gateway', 'vnpay', 'gatewayTransactionRef', '14226112', 'method', 'qr',
         'completedAt', '2024-05-01T08:30:01Z', 'cardNumber', '4111111111111111'));
-- An event type nobody registered:
SELECT goodgo_events.emit('order.teleported', '{"orderId": "x"}');
-- A hand-written envelope with an upper-case v4 id and a local-time timestamp:
INSERT INTO goodgo_events.outbox (envelope) VALUES ('{
  "schemaVersion": 1, "eventId": "9B2E4F8A-6C1D-4E3B-8A7F-1C2D3E4F5A6B",
  "eventType": "kyc.verified", "occurredAt": "2024-05-02T10:04:05+07:00",
  "producer": "kyc-service", "traceId": "00000000000000000000000000000000",
  "payload": {}}');
\set ON_ERROR_STOP 1
SELECT count(*) AS events_in_outbox FROM goodgo_events.outbox;
