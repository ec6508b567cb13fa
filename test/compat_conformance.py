"""Soundness of jsonschema_compatibility on the JSON Schema Test Suite's schemas.

The suite's schemas are small and adversarial (every keyword's corner cases).
Within each test file, every pair of schemas (S_i, S_j), i and j among the
file's groups, is checked BACKWARD under STRICT and LENIENT: when the checker
says S_i's values are all accepted by S_j, every test instance of the file
that S_i accepts (by our validator) must be accepted by S_j (by the reader
view under LENIENT).  Every witness must be valid under S_i and invalid under
S_j.  Schemas our validator cannot compile alone (remote references) are left
out.

Usage: compat_conformance.py SUITE_TESTS_DIR RESULTS.  libpq environment.
"""
import glob
import json
import os
import sys

import psycopg2
import psycopg2.extras

DRAFTS = {"draft2020-12": "https://json-schema.org/draft/2020-12/schema",
          "draft2019-09": "https://json-schema.org/draft/2019-09/schema",
          "draft7": "http://json-schema.org/draft-07/schema#",
          "draft6": "http://json-schema.org/draft-06/schema#",
          "draft4": "http://json-schema.org/draft-04/schema#"}
MAX_GROUPS = 40


def main():
    tests_dir, results = sys.argv[1], sys.argv[2]
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SET goodgo_events.json_schema_format_assertion = on")
    cur.execute("""
        CREATE TEMP TABLE cc_schemas (file text, i int, s jsonb, s_open jsonb);
        CREATE TEMP TABLE cc_data (file text, v jsonb);
        CREATE FUNCTION pg_temp.valid(s jsonb, v jsonb) RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN RETURN goodgo_events.jsonschema_is_valid(s, v);
        EXCEPTION WHEN OTHERS THEN RETURN NULL; END $$;
        CREATE FUNCTION pg_temp.compat(o jsonb, n jsonb, p text) RETURNS jsonb LANGUAGE plpgsql AS $$
        BEGIN RETURN goodgo_events.jsonschema_compatibility(o, n, 'BACKWARD', p);
        EXCEPTION WHEN OTHERS THEN RETURN NULL; END $$;
        CREATE FUNCTION pg_temp.open_view(s jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $f$
            SELECT CASE jsonb_typeof(s)
                WHEN 'object' THEN (
                    SELECT coalesce(jsonb_object_agg(k, CASE WHEN k IN ('enum', 'const', 'default', 'examples') THEN v
                        WHEN k IN ('properties', '$defs', 'definitions', 'patternProperties', 'dependentSchemas')
                             AND jsonb_typeof(v) = 'object'
                            THEN (SELECT coalesce(jsonb_object_agg(k2, pg_temp.open_view(v2)), '{}') FROM jsonb_each(v) x(k2, v2))
                        ELSE pg_temp.open_view(v) END), '{}')
                      FROM jsonb_each(s) e(k, v)
                     WHERE NOT (k IN ('additionalProperties', 'unevaluatedProperties') AND v = 'false'))
                WHEN 'array' THEN (SELECT coalesce(jsonb_agg(pg_temp.open_view(e) ORDER BY i), '[]')
                    FROM jsonb_array_elements(s) WITH ORDINALITY a(e, i))
                ELSE s END
        $f$""")
    schemas = []
    data = []
    for draft, uri in DRAFTS.items():
        for path in sorted(glob.glob(os.path.join(tests_dir, draft, "*.json"))):
            name = draft + "/" + os.path.basename(path)
            with open(path, encoding="utf-8") as f:
                groups = json.load(f)
            for i, g in enumerate(groups[:MAX_GROUPS]):
                s = g["schema"]
                if isinstance(s, dict) and "$schema" not in s:
                    s = dict(s, **{"$schema": uri})
                text = json.dumps(s)
                if "\\u0000" in text:
                    continue
                schemas.append((name, i, text))
                for t in g["tests"]:
                    d = json.dumps(t["data"])
                    if "\\u0000" not in d:
                        data.append((name, d))
    psycopg2.extras.execute_values(cur, "INSERT INTO cc_schemas VALUES %s", schemas,
                                   template="(%s, %s, %s::jsonb, NULL)", page_size=2000)
    psycopg2.extras.execute_values(cur, "INSERT INTO cc_data VALUES %s", data,
                                   template="(%s, %s::jsonb)", page_size=5000)
    cur.execute("""
        DELETE FROM cc_schemas WHERE pg_temp.valid(s, 'null') IS NULL;
        UPDATE cc_schemas SET s_open = pg_temp.open_view(s);
        CREATE TEMP TABLE cc_dv AS SELECT DISTINCT file, v FROM cc_data;
        CREATE TEMP TABLE cc_valid AS
          SELECT s.file, s.i, d.v, pg_temp.valid(s.s, d.v) AS ok, pg_temp.valid(s.s_open, d.v) AS ok_open
            FROM cc_schemas s JOIN cc_dv d USING (file);
        CREATE INDEX ON cc_valid (file, i);
        ANALYZE cc_valid""")
    cur.execute("""
        CREATE TEMP TABLE cc_res AS
          SELECT a.file, a.i AS wi, b.i AS ri, p.pol, a.s AS writer,
                 CASE p.pol WHEN 'STRICT' THEN b.s ELSE b.s_open END AS reader,
                 pg_temp.compat(a.s, b.s, p.pol) AS r
            FROM cc_schemas a JOIN cc_schemas b USING (file), (VALUES ('STRICT'), ('LENIENT')) p(pol)""")
    cur.execute("""
        SELECT count(*), count(*) FILTER (WHERE (r->>'compatible')::boolean),
               count(*) FILTER (WHERE r IS NULL)
          FROM cc_res""")
    total, compatible, errors = cur.fetchone()
    cur.execute("""
        SELECT c.file, c.wi, c.ri, c.pol, c.writer::text, c.reader::text, w.v::text
          FROM cc_res c
          JOIN cc_valid w ON w.file = c.file AND w.i = c.wi AND w.ok
          JOIN cc_valid r ON r.file = c.file AND r.i = c.ri AND r.v = w.v
         WHERE (c.r->>'compatible')::boolean
           AND NOT (CASE c.pol WHEN 'STRICT' THEN r.ok ELSE r.ok_open END)""")
    unsound = cur.fetchall()
    cur.execute("""
        SELECT c.file, c.wi, c.ri, c.pol, f->'witness'
          FROM cc_res c, jsonb_array_elements(c.r->'findings') f
         WHERE f ? 'witness'
           AND NOT coalesce(pg_temp.valid(c.writer, f->'witness') AND NOT pg_temp.valid(c.reader, f->'witness'), false)""")
    bad = cur.fetchall()
    cur.execute("SELECT count(*) FROM cc_res c, jsonb_array_elements(c.r->'findings') f WHERE f ? 'witness'")
    nwit = cur.fetchone()[0]
    print("compat_conformance: %d schemas, %d checks, %d compatible, %d errors, %d witnesses"
          % (len(schemas), total, compatible, errors, nwit))
    for u in unsound[:10]:
        print("UNSOUND %s %d -> %d %s: writer=%s reader=%s value=%s" % u)
    for b in bad[:10]:
        print("BAD WITNESS %s %d -> %d %s: %s" % b)
    with open(results, "a") as f:
        f.write("%s compat_property:conformance_schemas (%d checks)\n" % ("FAIL" if unsound else "PASS", total))
        f.write("%s compat_property:conformance_witnesses (%d)\n" % ("FAIL" if bad else "PASS", nwit))
    return 1 if unsound or bad else 0


if __name__ == "__main__":
    sys.exit(main())
