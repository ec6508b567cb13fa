-- goodgo_events 1.1 -> 1.2: every change to sql/objects/ (and schemas/)
-- since 1.1.  test/suites/upgrade.sh checks that 1.0 updated through 1.1 with
-- these scripts equals a fresh install of 1.2, object by object.
\echo Use "ALTER EXTENSION goodgo_events UPDATE TO '1.2'" to load this file. \quit
