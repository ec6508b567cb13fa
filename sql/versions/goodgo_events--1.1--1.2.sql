-- goodgo_events 1.1 -> 1.2: every change to sql/objects/ (and schemas/)
-- since 1.1.  test/suites/upgrade.sh checks that 1.0 updated through 1.1 with
-- these scripts equals a fresh install of 1.2, object by object.
\echo Use "ALTER EXTENSION goodgo_events UPDATE TO '1.2'" to load this file. \quit

-- [i12outbox] outbox fixes of issue 12: rotation and set_partitions under
-- REPEATABLE READ, restore keeps every row as dumped, the sequences user
-- rows depend on are dumped, bounded claim windows, oldest_xact_age >= 0.
SELECT pg_catalog.pg_extension_config_dump('goodgo_events.dead_letters_id_seq', '');
