-- Producers emit events inside their own business transaction
-- A payment's gateway notification arrives: the business update and its
-- event commit together, or not at all.
BEGIN;
CREATE TEMP TABLE payments (id uuid PRIMARY KEY, status text) ON COMMIT DROP;
INSERT INTO payments VALUES ('0190c1e0-1111-7aaa-8bbb-cccccccccccc', 'pending');
UPDATE payments SET status = 'succeeded' WHERE id = '0190c1e0-1111-7aaa-8bbb-cccccccccccc';
SET LOCAL goodgo_events.producer = 'payments-api';
SELECT goodgo_events.emit('payment.completed', jsonb_build_object(
         'paymentId', '0190c1e0-1111-7aaa-8bbb-cccccccccccc',
         'orderId', '0190c1df-2222-7aaa-9bbb-dddddddddddd',
         'payerId', '0190c1d2-8a6e-7cc1-9d4b-2f1f4f0e9a11',
         'sellerId', '0190c1d2-9b7f-7dd2-8e5c-3a2a5a1fab22',
         'amount', jsonb_build_object('amountMinor', 1250000, 'currency', 'VND'),
         'platformFee', jsonb_build_object('amountMinor', 62500, 'currency', 'VND'),
         'gateway', 'vnpay', 'gatewayTransactionRef', '14226112', 'method', 'qr',
         'ipnReceivedAt', '2024-05-01T08:30:02.412Z', 'completedAt', '2024-05-01T08:30:01Z'),
       aggregate_id => 'payment:0190c1e0-1111-7aaa-8bbb-cccccccccccc') AS event_id;
COMMIT;

-- Moderation approves listings and KYC verifies users: 200 events in one go.
SELECT count(goodgo_events.emit('listing.approved', jsonb_build_object(
         'listingId', goodgo_events.uuid_v7(),
         'sellerId', '0190c1d2-9b7f-7dd2-8e5c-3a2a5a1fab22',
         'revision', 1 + i % 3, 'categoryId', 'electronics.phones',
         'price', jsonb_build_object('amountMinor', 8990000 + i * 1000, 'currency', 'VND'),
         'review', 'manual',
         'approvedBy', jsonb_build_object('type', 'staff', 'id', '0190c1d2-ac80-7ee3-9f6d-4b3b6b2abc33'),
         'approvedAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
       aggregate_id => 'seller:0190c1d2-9b7f-7dd2-8e5c-3a2a5a1fab22', producer => 'moderation'))
       AS listing_events
  FROM generate_series(1, 150) i;
SELECT count(goodgo_events.emit('kyc.verified', jsonb_build_object(
         'userId', goodgo_events.uuid_v7(), 'kycCaseId', goodgo_events.uuid_v7(),
         'level', 'identity', 'documentType', 'national_id', 'issuingCountry', 'VN',
         'provider', 'ekyc-vendor',
         'verifiedBy', jsonb_build_object('type', 'system', 'id', 'kyc-auto-review'),
         'verifiedAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')),
       producer => 'kyc-service')) AS kyc_events
  FROM generate_series(1, 49) i;

-- A rolled-back transaction publishes nothing.
BEGIN;
SELECT count(goodgo_events.emit('kyc.verified', jsonb_build_object(
         'userId', goodgo_events.uuid_v7(), 'kycCaseId', goodgo_events.uuid_v7(),
         'level', 'basic', 'documentType', 'passport', 'issuingCountry', 'VN',
         'verifiedBy', jsonb_build_object('type', 'system', 'id', 'kyc-auto-review'),
         'verifiedAt', '2024-05-02T03:04:05Z'))) AS emitted_then_rolled_back
  FROM generate_series(1, 5);
ROLLBACK;

SELECT event_type, count(*) FROM goodgo_events.outbox GROUP BY event_type ORDER BY event_type COLLATE "C";
