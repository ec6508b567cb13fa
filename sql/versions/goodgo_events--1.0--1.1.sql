-- goodgo_events 1.0 -> 1.1.  Every change to sql/objects/ since 1.0, in the
-- order it was made; test/suites/upgrade.sh checks that 1.0 updated with
-- this script equals a fresh install of 1.1.
\echo Use "ALTER EXTENSION goodgo_events UPDATE TO '1.1'" to load this file. \quit
