#!/usr/bin/python3
"""Compiled schemas across backends: a register_schema() in one session makes
every other session recompile schemas that use the document, once committed
(and not before).  Prints one PASS/FAIL line per check to the results file."""
import sys

import psycopg2

results = open(sys.argv[1], "a", encoding="utf-8")
a = psycopg2.connect("")
b = psycopg2.connect("")
a.autocommit = True
b.autocommit = True
ca, cb = a.cursor(), b.cursor()
URI = "https://schemas.example.com/inval-test.json"
SCHEMA = '{"$ref": "%s"}' % URI


def check(name, got, want):
    results.write("%s jsonschema_invalidation:%s%s\n" % (
        "PASS" if got == want else "FAIL", name,
        "" if got == want else " (got %r, want %r)" % (got, want)))


def b_valid(instance):
    cb.execute("SELECT goodgo_events.jsonschema_is_valid(%s::jsonb, %s::jsonb)", (SCHEMA, instance))
    return cb.fetchone()[0]


ca.execute("SELECT goodgo_events.register_schema(%s, '{\"type\": \"integer\"}')", (URI,))
check("initial document", b_valid("1"), True)
check("initial document rejects", b_valid('"x"'), False)

# an uncommitted change is not seen by the other session
a.autocommit = False
ca.execute("SELECT goodgo_events.register_schema(%s, '{\"type\": \"string\"}')", (URI,))
check("uncommitted change not seen", b_valid("1"), True)
a.commit()
check("committed change seen", b_valid("1"), False)
check("committed change accepts", b_valid('"x"'), True)

# a rolled-back change leaves the other session's answer alone
ca.execute("SELECT goodgo_events.register_schema(%s, '{\"type\": \"null\"}')", (URI,))
a.rollback()
check("rolled back change not seen", b_valid('"x"'), True)

# deleting the document makes the schema unresolvable in the other session
ca.execute("DELETE FROM goodgo_events.schema_documents WHERE uri = %s", (URI,))
a.commit()
try:
    b_valid('"x"')
    check("deleted document", "no error", "22023")
except psycopg2.Error as e:
    check("deleted document", e.pgcode, "22023")
a.close()
b.close()
